package dev.allo.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.objective.ObjectiveConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineConfigTest {

    @Test
    void presetsAreTable5() {
        assertPreset(AlloPresets.questionAnswering(), 1e-7, 32, 0.05, 5e-6, 32, 0.10, 0.20);
        assertPreset(AlloPresets.mathematicalReasoning(), 5e-8, 512, 0.05, 1e-6, 512, 0.20, 0.50);
        assertPreset(AlloPresets.instructionFollowing(), 1e-7, 128, 0.10, 5e-6, 128, 0.15, 0.20);
    }

    private static void assertPreset(AlignmentConfig config, double lr1, int batch1, double k1, double lr2,
            int batch2, double k2, double v) {
        assertThat(config.locate().method()).isEqualTo(LocateConfig.Method.WEIGHT_DELTA);
        assertThat(config.locate().warmUpObjective()).isEqualTo(new ObjectiveConfig.Dpo(0.1));
        StageConfig forget = config.stages().get(0);
        StageConfig learn = config.stages().get(1);
        assertThat(forget.objective()).isEqualTo(new ObjectiveConfig.TokenNpo(0.1));
        assertThat(forget.mask()).isEqualTo(MaskRule.topK(k1));
        assertThat(forget.rewards()).isEqualTo(TokenRewards.REWRITER);
        assertThat(forget.rewardThreshold()).isEqualTo(0.95);
        assertThat(forget.training().learningRate()).isEqualTo(lr1);
        assertThat(forget.training().batchSize()).isEqualTo(batch1);
        assertThat(learn.objective()).isEqualTo(new ObjectiveConfig.TokenDpo(0.1, v));
        assertThat(learn.mask()).isEqualTo(MaskRule.topK(k2));
        assertThat(learn.rewards()).isEqualTo(TokenRewards.NONE);
        assertThat(learn.training().learningRate()).isEqualTo(lr2);
        assertThat(learn.training().batchSize()).isEqualTo(batch2);
        assertThat(forget.training().schedule()).isEqualTo(TrainingConfig.ScheduleKind.COSINE);
    }

    @Test
    void trainingConfigCountsStepsAndAccumulation() {
        TrainingConfig c = TrainingConfig.defaults().withBatchSize(8, 2).withEpochs(3);
        assertThat(c.accumulationSteps()).isEqualTo(4);
        assertThat(c.totalSteps(20)).isEqualTo(6); // 2 full batches per epoch, last partial batch dropped
        assertThat(c.withMaxSteps(5).totalSteps(20)).isEqualTo(5);
        assertThat(c.adamW(10).learningRate()).isEqualTo(5e-6);
    }

    @Test
    void everyValidationNamesTheFieldAndValue() {
        TrainingConfig d = TrainingConfig.defaults();
        assertThatThrownBy(() -> d.withLearningRate(0)).hasMessage("learningRate must be finite and > 0, got 0.0");
        assertThatThrownBy(() -> d.withBatchSize(8, 3))
                .hasMessage("microBatchSize must be in [1, batchSize=8] and divide it, got 3");
        assertThatThrownBy(() -> d.withBatchSize(0, 1)).hasMessage("batchSize must be >= 1, got 0");
        assertThatThrownBy(() -> d.withEpochs(0)).hasMessage("epochs must be >= 1, got 0");
        assertThatThrownBy(() -> d.withSchedule(TrainingConfig.ScheduleKind.LINEAR, 1.0))
                .hasMessage("warmupRatio must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> d.withMaxSteps(-1)).hasMessage("maxSteps must be >= 0 (0 = no limit), got -1");
        assertThatThrownBy(() -> MaskRule.topK(1.5)).hasMessage("neuronRatio must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> MaskRule.topK(0)).hasMessage("neuronRatio must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> ForgetConfig.defaults().withNeuronRatio(2))
                .hasMessage("neuronRatio must be in (0, 1], got 2.0");
        assertThatThrownBy(() -> LearnConfig.defaults().withNoisyTokenRatio(1.5))
                .hasMessageContaining("noisyTokenRatio");
        assertThatThrownBy(() -> new StageConfig("bad name", new ObjectiveConfig.Dpo(0.1), MaskRule.all(),
                TokenRewards.NONE, 0.95, d)).hasMessageContaining("'bad name'");
        assertThatThrownBy(() -> new StageConfig("s", new ObjectiveConfig.Dpo(0.1), MaskRule.all(),
                TokenRewards.NONE, 0, d)).hasMessage("stage 's': rewardThreshold must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> MaskRule.fromFile("")).hasMessage("a FILE mask rule needs a file");
    }

    @Test
    void runsThatSelectFromScoresNeedALocateStage() {
        StageConfig learn = LearnConfig.defaults().toStage();
        assertThatThrownBy(() -> AlignmentConfig.of(null, List.of(learn)))
                .hasMessageContaining("stage 'learn'").hasMessageContaining("locate stage");
        assertThat(AlignmentConfig.of(null, List.of(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(),
                TrainingConfig.defaults()))).stages()).hasSize(1);
        assertThatThrownBy(() -> AlignmentConfig.of(LocateConfig.weightDelta(), List.of(learn, learn)))
                .hasMessage("stage names must be unique, got 'learn' twice");
        assertThatThrownBy(() -> AlignmentConfig.of(null, List.of()))
                .hasMessage("an alignment run needs at least one stage or a locate stage");
        AlignmentConfig ok = AlignmentConfig.of(LocateConfig.weightDelta(), List.of(learn));
        assertThatThrownBy(() -> ok.withLengths(10, 10))
                .hasMessage("maxPromptLength must be in [1, maxLength=10), got 10");
    }
}
