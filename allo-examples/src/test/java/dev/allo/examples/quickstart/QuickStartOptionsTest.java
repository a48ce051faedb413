package dev.allo.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class QuickStartOptionsTest {
    @Test
    void noArgumentsGiveTheDefaults() {
        assertThat(QuickStartOptions.parse(new String[0], new Properties())).isEqualTo(QuickStartOptions.defaults());
    }

    @Test
    void argumentsOverrideSystemPropertiesWhichOverrideDefaults() {
        Properties properties = new Properties();
        properties.setProperty("quickstart.problems", "900");
        properties.setProperty("quickstart.hidden", "128");
        properties.setProperty("unrelated.key", "x");
        QuickStartOptions o = QuickStartOptions.parse(new String[] {"--problems=1200", "--dpo-lr=1e-4",
            "--out=/tmp/x"}, properties);
        assertThat(o.problems()).isEqualTo(1200);
        assertThat(o.hidden()).isEqualTo(128);
        assertThat(o.dpoLearningRate()).isEqualTo(1e-4);
        assertThat(o.out()).isEqualTo(Path.of("/tmp/x"));
        assertThat(o.layers()).isEqualTo(QuickStartOptions.defaults().layers());
    }

    @Test
    void badInputNamesTheOptionAndTheValue() {
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--problem=5"}, new Properties()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option 'problem'")
                .hasMessageContaining("problems");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--hidden=abc"}, new Properties()))
                .hasMessageContaining("--hidden must be an integer, got 'abc'");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--hidden=30"}, new Properties()))
                .hasMessageContaining("--hidden must be a multiple of 8, got 30");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"problems=5"}, new Properties()))
                .hasMessageContaining("--key=value, got 'problems=5'");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--top-p=1.5"}, new Properties()))
                .hasMessageContaining("--top-p must be in (0, 1], got 1.5");
    }
}
