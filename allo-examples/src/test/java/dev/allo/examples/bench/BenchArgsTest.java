package dev.allo.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchArgsTest {
    private static final String[] ARGS = {"--rounds", "7", "--profile", "trace.json", "--full"};

    @Test
    void namedOptionsFlagsAndDefaults() {
        assertThat(BenchArgs.intOption(ARGS, "--rounds", 5)).isEqualTo(7);
        assertThat(BenchArgs.intOption(ARGS, "--hidden", 256)).isEqualTo(256);
        assertThat(BenchArgs.option(ARGS, "--profile")).isEqualTo("trace.json");
        assertThat(BenchArgs.option(ARGS, "--intermediate")).isNull();
        assertThat(BenchArgs.flag(ARGS, "--full")).isTrue();
        assertThat(BenchArgs.flag(ARGS, "--quick")).isFalse();
    }

    @Test
    void positionalCountsFallBackWhenAbsent() {
        String[] args = {"500", "50"};
        assertThat(BenchArgs.intAt(args, 0, "iterations", 200)).isEqualTo(500);
        assertThat(BenchArgs.intAt(args, 1, "warmup", 30)).isEqualTo(50);
        assertThat(BenchArgs.intAt(args, 2, "batch", 8)).isEqualTo(8);
    }

    @Test
    void badValuesNameTheArgumentAndTheValue() {
        assertThatThrownBy(() -> BenchArgs.intOption(new String[] {"--rounds", "x"}, "--rounds", 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--rounds must be an integer, got 'x'");
        assertThatThrownBy(() -> BenchArgs.intOption(new String[] {"--rounds", "0"}, "--rounds", 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--rounds must be at least 1, got 0");
        assertThatThrownBy(() -> BenchArgs.option(new String[] {"--rounds"}, "--rounds"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--rounds needs a value, got none");
        assertThatThrownBy(() -> BenchArgs.intAt(new String[] {"10", "-3"}, 1, "warmup", 30))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argument 2 (warmup) must be at least 1, got -3");
    }
}
