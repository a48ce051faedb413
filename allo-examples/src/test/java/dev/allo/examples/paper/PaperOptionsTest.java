package dev.allo.examples.paper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.examples.quickstart.QuickStartOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PaperOptionsTest {
    @Test
    void defaultsRunTheFourExperimentsOverThreeSeedsIntoTheirOwnDirectory() {
        PaperOptions o = PaperOptions.parse(new String[0], new Properties());
        assertThat(o.seeds()).isEqualTo(3);
        assertThat(o.experiments()).containsExactlyInAnyOrder(Experiment.TABLE2, Experiment.FIGURE1,
                Experiment.TABLE4, Experiment.FIGURE4);
        assertThat(o.base().out()).isEqualTo(PaperOptions.DEFAULT_OUT);
        assertThat(o.base().alloLearningRate()).isEqualTo(QuickStartOptions.defaults().alloLearningRate());
        assertThat(o.progress()).isFalse();
        // the quick start's default task, the systematic-mistakes one; the classic task by name
        assertThat(o.base().task()).isEqualTo(QuickStartOptions.TaskKind.MISTAKES);
        assertThat(o.base().maxSteps()).isEqualTo(1);
        assertThat(o.base().alloLearningRate()).isEqualTo(3e-4);
        PaperOptions classic = PaperOptions.parse(new String[] {"--task=classic"}, new Properties());
        assertThat(classic.base().task()).isEqualTo(QuickStartOptions.TaskKind.CLASSIC);
        assertThat(classic.base().warmUpLearningRate()).isEqualTo(QuickStartOptions.classicDefaults()
                .warmUpLearningRate());
        assertThat(classic.base().maxSteps()).isEqualTo(2);
    }

    @Test
    void ownKeysAndQuickStartKeysMix() {
        PaperOptions o = PaperOptions.parse(new String[] {"--seeds=2", "--experiments=tune,table4", "--dpo-lr=1e-4",
            "--allo-lr=3e-4", "--grid=1e-5,2e-5", "--hidden=64", "--out=x/y", "--progress=true"}, new Properties());
        assertThat(o.seeds()).isEqualTo(2);
        assertThat(o.experiments()).containsExactlyInAnyOrder(Experiment.TUNE, Experiment.TABLE4);
        assertThat(o.base().dpoLearningRate()).isEqualTo(1e-4);
        assertThat(o.base().alloLearningRate()).isEqualTo(3e-4);
        assertThat(o.grid()).containsExactly(1e-5, 2e-5);
        assertThat(o.base().hidden()).isEqualTo(64);
        assertThat(o.base().out()).isEqualTo(Path.of("x/y"));
        assertThat(o.progress()).isTrue();
        assertThat(PaperOptions.parse(new String[] {"--experiments=all"}, new Properties()).experiments())
                .doesNotContain(Experiment.TUNE).hasSize(4);
    }

    @Test
    void badValuesAreRefusedByName() {
        assertThatThrownBy(() -> PaperOptions.parse(new String[] {"--seeds=0"}, new Properties()))
                .hasMessage("--seeds must be >= 1, got 0");
        assertThatThrownBy(() -> PaperOptions.parse(new String[] {"--experiments=table9"}, new Properties()))
                .hasMessageContaining("unknown experiment 'table9'").hasMessageContaining("figure4");
        assertThatThrownBy(() -> PaperOptions.parse(new String[] {"--grid=1e-5,-1"}, new Properties()))
                .hasMessage("--grid must be finite and > 0, got -1.0");
        assertThatThrownBy(() -> PaperOptions.parse(new String[] {"--progress=yes"}, new Properties()))
                .hasMessage("--progress must be true or false, got 'yes'");
        assertThatThrownBy(() -> PaperOptions.parse(new String[] {"--colour=red"}, new Properties()))
                .hasMessageContaining("unknown option 'colour'").hasMessageContaining("seeds");
    }

    @Test
    void everyExperimentHasUniqueIdsAndSharedVariantsKeepOneId() {
        PaperOptions o = PaperOptions.parse(new String[] {"--experiments=all,tune"}, new Properties());
        for (Experiment e : Experiment.values()) {
            List<String> ids = PaperVariants.of(e, o).stream().map(Variant::id).toList();
            // Figure 4's two sweeps meet at ALLO's defaults (k1 = 5%, k2 = 10%): one variant, listed in both.
            List<String> distinct = e == Experiment.FIGURE4 ? ids.stream().filter(id -> !id.equals("allo")).toList()
                    : ids;
            assertThat(distinct).as(e.name()).doesNotHaveDuplicates();
        }
        assertThat(PaperVariants.of(Experiment.FIGURE4, o).stream().map(Variant::id))
                .contains("allo", "allo-forget-no-mask", "allo-learn-no-mask", "allo-k1-0.01", "allo-k2-0.2");
        assertThat(PaperVariants.forgetRatioId(0.05)).isEqualTo("allo");
        assertThat(PaperVariants.learnRatioId(1.0)).isEqualTo("allo-learn-no-mask");
    }
}
