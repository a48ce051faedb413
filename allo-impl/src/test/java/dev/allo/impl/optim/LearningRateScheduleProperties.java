package dev.allo.impl.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.allo.fixtures.optim.ReferenceSchedules;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import org.junit.jupiter.api.Test;

/** The schedules and clipping coefficient against the transformers / PyTorch formulas of src-test-fixtures. */
class LearningRateScheduleProperties {

    @Test
    void schedulesEqualTheTransformersFormulas() {
        qt().withFixedSeed(41).withExamples(500)
                .forAll(longs().between(1, 2000), doubles().between(0, 1), doubles().between(0, 1.2))
                .checkAssert((total, warmupFraction, stepFraction) -> {
                    long warmup = (long) Math.floor(warmupFraction * total);
                    long step = (long) Math.floor(stepFraction * total);
                    assertThat(LearningRateSchedule.cosine(warmup, total).multiplier(step))
                            .isEqualTo(ReferenceSchedules.cosine(step, warmup, total));
                    assertThat(LearningRateSchedule.linear(warmup, total).multiplier(step))
                            .isEqualTo(ReferenceSchedules.linear(step, warmup, total));
                    assertThat(LearningRateSchedule.constantWithWarmup(warmup).multiplier(step))
                            .isEqualTo(ReferenceSchedules.constantWithWarmup(step, warmup));
                    assertThat(LearningRateSchedule.constant().multiplier(step)).isEqualTo(1.0);
                });
    }

    @Test
    void warmupStepsFollowTransformersRounding() {
        qt().withFixedSeed(42).withExamples(500)
                .forAll(doubles().between(0, 1), longs().between(0, 100_000))
                .checkAssert((ratio, total) -> assertThat(LearningRateSchedule.warmupSteps(ratio, total))
                        .isEqualTo(ReferenceSchedules.warmupSteps(ratio, total)));
        assertThat(LearningRateSchedule.warmupSteps(0.07, 100)).isEqualTo(8); // 100 * 0.07 = 7.000000000000001
        assertThat(LearningRateSchedule.warmupSteps(0.03, 1000)).isEqualTo(30);
    }

    @Test
    void clippingCoefficientIsPyTorchs() {
        qt().withFixedSeed(43).withExamples(300)
                .forAll(doubles().between(1e-3, 10), doubles().between(0, 100))
                .checkAssert((maxNorm, norm) -> assertThat(GradientClipping.maxNorm(maxNorm).coefficient(norm))
                        .isEqualTo(dev.allo.fixtures.optim.ReferenceClipping.coefficient(norm, maxNorm)));
        assertThat(GradientClipping.none().coefficient(1e30)).isEqualTo(1.0);
    }

    @Test
    void warmUpStartsAtZeroAndCosineEndsAtZero() {
        LearningRateSchedule cosine = LearningRateSchedule.cosine(10, 100);
        assertThat(cosine.multiplier(0)).isZero();
        assertThat(cosine.multiplier(5)).isEqualTo(0.5);
        assertThat(cosine.multiplier(10)).isEqualTo(1.0);
        assertThat(cosine.multiplier(55)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cosine.multiplier(100)).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(LearningRateSchedule.linear(0, 4).multiplier(1)).isEqualTo(0.75);
    }

    @Test
    void badScheduleArgumentsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> LearningRateSchedule.cosine(11, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("warmupSteps must be in [0, totalSteps = 10], got 11");
        assertThatThrownBy(() -> LearningRateSchedule.linear(0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("totalSteps must be >= 1, got 0");
        assertThatThrownBy(() -> LearningRateSchedule.warmupSteps(1.5, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("warmupRatio must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> LearningRateSchedule.constant().multiplier(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("step must be >= 0, got -1");
        assertThatThrownBy(() -> GradientClipping.maxNorm(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxNorm must be > 0, got 0.0");
    }
}
