package dev.allo.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.examples.task.SystematicMistake;
import dev.allo.pipeline.AlloPresets;
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

    @Test
    void theMistakesTaskIsTheDefaultAndClassicHasItsOwnDefaults() {
        QuickStartOptions d = QuickStartOptions.defaults();
        assertThat(d).isEqualTo(QuickStartOptions.mistakesDefaults());
        assertThat(d.task()).isEqualTo(QuickStartOptions.TaskKind.MISTAKES);
        assertThat(QuickStartOptions.parse(new String[] {"--task=Mistakes"}, new Properties())).isEqualTo(d);
        assertThat(d.problems()).isEqualTo(2000);
        assertThat(d.mistakeFraction()).isEqualTo(0.3);
        assertThat(d.maxSteps()).isEqualTo(1);
        assertThat(d.hidden()).isEqualTo(128);
        assertThat(d.preferenceProblems()).isEqualTo(200);
        assertThat(d.validation()).isEqualTo(100);
        assertThat(d.test()).isEqualTo(300);
        assertThat(d.skillExamples()).isEqualTo(600);
        assertThat(d.methods()).containsExactly("dpo", "rpo", "allo");
        assertThat(d.learningRateGrid()).isEmpty();
        // SFT long enough that most seeds' models learn the arithmetic (10 epochs; 6 left seed 7 at 26% on validation)
        assertThat(d.sftEpochs()).isEqualTo(10);
        // the rates validation chose on seeds 7-11: DPO and RPO g = 1e-4; ALLO g = 3e-5 (forgetting g, learning 10 g),
        // AlloPresets.smallModel()'s
        assertThat(d.dpoLearningRate()).isEqualTo(1e-4);
        assertThat(d.forgetLearningRate()).isEqualTo(AlloPresets.SMALL_FORGET_LR).isEqualTo(3e-5);
        assertThat(d.alloLearningRate()).isEqualTo(AlloPresets.SMALL_LEARN_LR).isEqualTo(3e-4);
        assertThat(d.warmUpLearningRate()).isEqualTo(AlloPresets.SMALL_WARM_UP_LR).isEqualTo(1e-3);
        assertThat(d.batchSize()).isEqualTo(AlloPresets.SMALL_BATCH);
        QuickStartOptions classic = QuickStartOptions.parse(new String[] {"--task=classic"}, new Properties());
        assertThat(classic).isEqualTo(QuickStartOptions.classicDefaults());
        assertThat(classic.task()).isEqualTo(QuickStartOptions.TaskKind.CLASSIC);
        // the values of the quick start before the systematic task existed
        assertThat(classic.problems()).isEqualTo(1000);
        assertThat(classic.maxSteps()).isEqualTo(2);
        assertThat(classic.hidden()).isEqualTo(96);
        assertThat(classic.sftEpochs()).isEqualTo(6);
        assertThat(classic.dpoLearningRate()).isEqualTo(3e-5);
        assertThat(classic.alloLearningRate()).isEqualTo(3e-4);
        assertThat(classic.forgetLearningRate()).isEqualTo(3e-5);
        assertThat(classic.warmUpLearningRate()).isEqualTo(5e-4);
        assertThat(classic.mistakeFraction()).isEqualTo(0.0);
        assertThat(classic.skillExamples()).isEqualTo(0);
        assertThat(classic.methods()).containsExactly("dpo", "allo");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--task=systematic"}, new Properties()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--task must be classic or mistakes, got 'systematic'");
    }

    @Test
    void newOptionsParse() {
        QuickStartOptions o = QuickStartOptions.parse(new String[] {"--mistake-fraction=0.2", "--seeds=5",
            "--rounds=3", "--methods=dpo, RPO,allo", "--ceiling=true", "--lr-grid=1e-4,3e-4",
            "--sft-model=/tmp/m", "--skill-examples=100", "--skill-test=20",
            "--mistake-classes=phrase_operation, Dropped_Carry"}, new Properties());
        assertThat(o.mistakeFraction()).isEqualTo(0.2);
        assertThat(o.mistakeClasses()).containsExactlyInAnyOrder(SystematicMistake.PHRASE_OPERATION,
                SystematicMistake.DROPPED_CARRY);
        assertThat(QuickStartOptions.defaults().mistakeClasses()).containsExactlyInAnyOrder(
                SystematicMistake.values());
        assertThat(o.seeds()).isEqualTo(5);
        assertThat(o.rounds()).isEqualTo(3);
        assertThat(o.methods()).containsExactly("dpo", "rpo", "allo");
        assertThat(o.ceiling()).isTrue();
        assertThat(o.learningRateGrid()).containsExactly(1e-4, 3e-4);
        assertThat(o.sftModel()).isEqualTo("/tmp/m");
        assertThat(o.skillExamples()).isEqualTo(100);
        assertThat(o.skillTest()).isEqualTo(20);
        assertThat(o.withSeed(9).seeds()).isEqualTo(5);
        assertThat(o.withLearningRates(1, 2, 3).alloLearningRate()).isEqualTo(2);
    }

    @Test
    void badNewOptionsNameTheOptionAndTheValue() {
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--task=hard"}, new Properties()))
                .hasMessageContaining("--task must be classic or mistakes, got 'hard'");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--mistake-fraction=1"}, new Properties()))
                .hasMessageContaining("--mistake-fraction must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--methods=dpo,ppo"}, new Properties()))
                .hasMessageContaining("unknown method 'ppo'");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--ceiling=yes"}, new Properties()))
                .hasMessageContaining("--ceiling must be true or false, got 'yes'");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--lr-grid=1e-4,x"}, new Properties()))
                .hasMessageContaining("--lr-grid must be numbers separated by commas, got '1e-4,x'");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--rounds=0"}, new Properties()))
                .hasMessageContaining("--rounds must be >= 1, got 0");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--mistake-classes=carry"}, new Properties()))
                .hasMessageContaining("--mistake-classes: unknown class 'carry'; known: [PHRASE_OPERATION,"
                        + " DROPPED_CARRY, REUSED_QUANTITY]");
        assertThatThrownBy(() -> QuickStartOptions.parse(new String[] {"--mistake-classes=,"}, new Properties()))
                .hasMessageContaining("--mistake-classes must name at least one of");
    }
}
