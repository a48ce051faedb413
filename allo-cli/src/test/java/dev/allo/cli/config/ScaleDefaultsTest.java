package dev.allo.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.allo.objective.ObjectiveConfig;
import org.junit.jupiter.api.Test;

/**
 * The size rule: the quick start's measured rates at toy size, ALLO Table 5's at 7B, log-linear between (values
 * worked out by hand from the formula), and batches that never exceed the data.
 */
class ScaleDefaultsTest {

    @Test
    void theAnchorsAreTheQuickStartsAndTable5sRates() {
        ScaleDefaults toy = new ScaleDefaults(100_000, 100);
        assertThat(toy.warmUpLearningRate()).isEqualTo(5e-4);
        assertThat(toy.forgetLearningRate()).isEqualTo(3e-5);
        assertThat(toy.learnLearningRate()).isEqualTo(3e-4);
        assertThat(toy.trainLearningRate(ObjectiveConfig.Dpo.defaults())).isEqualTo(3e-5);
        assertThat(toy.trainLearningRate(new ObjectiveConfig.Sft())).isEqualTo(3e-3);
        assertThat(toy.longEpochs()).isEqualTo(2);
        ScaleDefaults large = new ScaleDefaults(70_000_000_000L, 100);
        assertThat(large.forgetLearningRate()).isEqualTo(1e-7);
        assertThat(large.learnLearningRate()).isEqualTo(5e-6);
        assertThat(large.trainLearningRate(ObjectiveConfig.Dpo.defaults())).isEqualTo(1e-6);
        assertThat(large.longEpochs()).isEqualTo(1);
    }

    @Test
    void halfABillionParametersLieOnTheLogLine() {
        // t = ln(5e8 / 2.5e5) / ln(7e9 / 2.5e5) = 7.6009 / 10.2400 = 0.74227; 3e-4 * (5e-6 / 3e-4)^t = 1.4369e-5
        assertThat(new ScaleDefaults(500_000_000L, 100).learnLearningRate()).isCloseTo(1.44e-5, within(1e-9));
    }

    @Test
    void batchesFitTheData() {
        assertThat(new ScaleDefaults(1, 3).microBatch()).isEqualTo(3);
        assertThat(new ScaleDefaults(1, 3).accumulation(3)).isEqualTo(1);
        assertThat(new ScaleDefaults(1, 20).microBatch()).isEqualTo(8);
        assertThat(new ScaleDefaults(1, 20).accumulation(8)).isEqualTo(2);
        assertThat(new ScaleDefaults(1, 1000).accumulation(8)).isEqualTo(4);
    }
}
