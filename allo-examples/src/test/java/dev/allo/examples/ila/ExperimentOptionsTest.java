package dev.allo.examples.ila;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing and validation of the experiment's {@code --key=value} options. */
class ExperimentOptionsTest {
    @Test
    void noArgumentsGiveTheDefaultsAndEveryKeyRoundTrips() {
        assertThat(ExperimentOptions.parse()).isEqualTo(ExperimentOptions.defaults());
        ExperimentOptions toy = ExperimentOptions.toy(Path.of("x"));
        String[] args = toy.asMap().entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        assertThat(ExperimentOptions.parse(args)).isEqualTo(toy);
    }

    @Test
    void overridesOneKey() {
        ExperimentOptions o = ExperimentOptions.parse("--seeds=5", "--warmUp=lora", "--lambda=0.1");
        assertThat(o.seeds()).isEqualTo(5);
        assertThat(o.warmUp()).isEqualTo("lora");
        assertThat(o.lambda()).isEqualTo(0.1);
        assertThat(o.asMap()).containsEntry("hidden", Integer.toString(ExperimentOptions.defaults().hidden()));
    }

    @Test
    void badArgumentsNameTheOptionAndTheValue() {
        assertThatThrownBy(() -> ExperimentOptions.parse("--seed=3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown option --seed").hasMessageContaining("seeds");
        assertThatThrownBy(() -> ExperimentOptions.parse("seeds=3")).hasMessageContaining("--key=value")
                .hasMessageContaining("'seeds=3'");
        assertThatThrownBy(() -> ExperimentOptions.parse("--seeds=three"))
                .hasMessageContaining("--seeds must be an integer, got 'three'");
        assertThatThrownBy(() -> ExperimentOptions.parse("--lr=fast")).hasMessageContaining("--lr must be a number");
        assertThatThrownBy(() -> ExperimentOptions.parse("--topFraction=1.5"))
                .hasMessageContaining("topFraction must be in (0, 1), got 1.5");
        assertThatThrownBy(() -> ExperimentOptions.parse("--warmUp=half"))
                .hasMessageContaining("warmUp must be one of").hasMessageContaining("got half");
        assertThatThrownBy(() -> ExperimentOptions.parse("--heads=3"))
                .hasMessageContaining("heads must be even and divide hidden=64, got 3");
        assertThatThrownBy(() -> ExperimentOptions.parse("--trainProblems=8"))
                .hasMessageContaining("trainProblems must be >= batch=64, got 8");
    }

    @Test
    void keysAreTheRecordComponentsInOrder() {
        Map<String, String> m = ExperimentOptions.defaults().asMap();
        assertThat(m.keySet()).containsExactly(java.util.Arrays.stream(ExperimentOptions.class.getRecordComponents())
                .map(java.lang.reflect.RecordComponent::getName).toArray(String[]::new));
    }
}
