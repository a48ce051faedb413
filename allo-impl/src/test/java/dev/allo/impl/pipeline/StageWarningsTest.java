package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.pipeline.TrainingConfig;
import dev.allo.train.StageResult;
import dev.allo.train.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageWarningsTest {

    private static StageResult stage(String name, double... losses) {
        List<StepMetrics> steps = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            steps.add(new StepMetrics(name, i + 1, 0, Map.of(StepMetrics.LOSS, losses[i])));
        }
        return new StageResult(name, losses.length, steps, 1.0);
    }

    private static double[] falling(int n, double from, double to) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = from + (to - from) * i / (n - 1);
        }
        return out;
    }

    @Test
    void aStageOfTwoStepsWarnsNamingItsBatchSizeAndData() {
        TrainingConfig paper = TrainingConfig.defaults(); // batch 32, one epoch
        List<String> warnings = StageWarnings.of(stage("forget", 0.9, 0.5), paper, 64);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("stage 'forget'", "2 optimiser step(s)", "fewer than 10", "64 pairs",
                "batch size 32", "1 epoch(s)", "lower the batch size");
    }

    @Test
    void tenStepsWithAFallingLossDrawNoWarning() {
        assertThat(StageWarnings.of(stage("dpo", falling(10, 0.693, 0.5)), TrainingConfig.defaults(), 320))
                .isEmpty();
    }

    @Test
    void nineStepsAreTooFewTenAreEnough() {
        assertThat(StageWarnings.of(stage("dpo", falling(9, 0.693, 0.5)), TrainingConfig.defaults(), 288))
                .hasSize(1);
        assertThat(StageWarnings.of(stage("dpo", falling(10, 0.693, 0.5)), TrainingConfig.defaults(), 320))
                .isEmpty();
    }

    @Test
    void aLossThatEndsWhereItStartedWarnsNamingTheLearningRate() {
        double[] flat = falling(40, 0.693147, 0.693100); // a change of 7e-5 on 0.69: relative 1e-4
        TrainingConfig tiny = TrainingConfig.defaults().withLearningRate(1e-7).withBatchSize(8, 8);
        List<String> warnings = StageWarnings.of(stage("learn", flat), tiny, 320);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("stage 'learn'", "did not move", "0.693147", "0.6931",
                "40 steps", "learning rate 1.00e-07", "too small");
    }

    @Test
    void aLossThatMovedByMoreThanTheToleranceDrawsNoWarning() {
        double[] moved = falling(40, 0.693147, 0.690); // relative change 4.5e-3
        assertThat(StageWarnings.of(stage("learn", moved), TrainingConfig.defaults().withBatchSize(8, 8), 320))
                .isEmpty();
    }

    @Test
    void bothWarningsCanApplyAtOnce() {
        List<String> warnings = StageWarnings.of(stage("forget", 0.6931, 0.6931), TrainingConfig.defaults(), 64);
        assertThat(warnings).hasSize(2);
        assertThat(warnings).allSatisfy(w -> assertThat(w).contains("stage 'forget'"));
    }

    @Test
    void aStageRestoredAfterItsLastStepIsJudgedOnItsStepCountOnly() {
        StepMetrics last = new StepMetrics("sft", 50, 0, Map.of(StepMetrics.LOSS, 1.0));
        StageResult restored = new StageResult("sft", 50, 0, List.of(), last, 0.1);
        assertThat(StageWarnings.of(restored, TrainingConfig.defaults(), 1600)).isEmpty();
    }

    @Test
    void logReturnsWhatItLogged() {
        StageResult two = stage("forget", 0.9, 0.5);
        assertThat(StageWarnings.log(two, TrainingConfig.defaults(), 64))
                .isEqualTo(StageWarnings.of(two, TrainingConfig.defaults(), 64));
    }
}
