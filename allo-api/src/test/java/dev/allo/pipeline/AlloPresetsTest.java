package dev.allo.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.objective.ObjectiveConfig;
import org.junit.jupiter.api.Test;

/** Every value of the paper's Table 5 (Appendix B), per scenario. */
class AlloPresetsTest {
    @Test
    void questionAnswering() {
        assertTable5(AlloPresets.questionAnswering(), 1e-7, 32, 0.05, 5e-6, 32, 0.10, 0.20);
    }

    @Test
    void mathematicalReasoning() {
        assertTable5(AlloPresets.mathematicalReasoning(), 5e-8, 512, 0.05, 1e-6, 512, 0.20, 0.50);
    }

    @Test
    void instructionFollowing() {
        assertTable5(AlloPresets.instructionFollowing(), 1e-7, 128, 0.10, 5e-6, 128, 0.15, 0.20);
    }

    @Test
    void smallModelTakesManyStepsOnAFewHundredPairsAtLargerRates() {
        AlignmentConfig c = AlloPresets.smallModel();
        assertThat(c.locate().method()).isEqualTo(LocateConfig.Method.WEIGHT_DELTA);
        assertThat(c.locate().warmUp().learningRate()).isEqualTo(AlloPresets.SMALL_WARM_UP_LR);
        assertThat(c.locate().warmUp().epochs()).isEqualTo(1);
        StageConfig forget = c.stages().get(0);
        StageConfig learn = c.stages().get(1);
        assertThat(forget.mask()).isEqualTo(MaskRule.topK(0.05));
        assertThat(learn.mask()).isEqualTo(MaskRule.topK(0.10));
        assertThat(forget.rewards()).isEqualTo(TokenRewards.REWRITER);
        assertThat(forget.training().learningRate()).isEqualTo(AlloPresets.SMALL_FORGET_LR);
        assertThat(learn.training().learningRate()).isEqualTo(AlloPresets.SMALL_LEARN_LR);
        // 300 pairs: at least 10 steps per stage, the pipeline's warning threshold, unlike Table 5's 32 to 512.
        assertThat(forget.training().totalSteps(300)).isGreaterThanOrEqualTo(10);
        assertThat(learn.training().totalSteps(300)).isGreaterThanOrEqualTo(10);
        assertThat(AlloPresets.questionAnswering().stages().get(0).training().totalSteps(300)).isLessThan(10);
        assertThat(learn.training().learningRate()).isGreaterThan(
                AlloPresets.questionAnswering().stages().get(1).training().learningRate() * 50);
        // the validation choice on the examples' one-step task: learning ten times forgetting
        assertThat(learn.training().learningRate()).isEqualTo(10 * forget.training().learningRate(),
                org.assertj.core.data.Offset.offset(1e-12));
    }

    private static void assertTable5(AlignmentConfig c, double lr1, int batch1, double k1, double lr2, int batch2,
            double k2, double v) {
        assertThat(c.locate().method()).isEqualTo(LocateConfig.Method.WEIGHT_DELTA);
        assertThat(c.locate().warmUpObjective()).isEqualTo(new ObjectiveConfig.Dpo(0.1));
        assertThat(c.stages()).extracting(StageConfig::name).containsExactly("forget", "learn");
        StageConfig forget = c.stages().get(0);
        assertThat(forget.objective()).isEqualTo(new ObjectiveConfig.TokenNpo(0.1));
        assertThat(forget.mask()).isEqualTo(MaskRule.topK(k1));
        assertThat(forget.rewards()).isEqualTo(TokenRewards.REWRITER);
        assertThat(forget.rewardThreshold()).isEqualTo(0.95);
        assertThat(forget.training().learningRate()).isEqualTo(lr1);
        assertThat(forget.training().batchSize()).isEqualTo(batch1);
        StageConfig learn = c.stages().get(1);
        assertThat(learn.objective()).isEqualTo(new ObjectiveConfig.TokenDpo(0.1, v));
        assertThat(learn.mask()).isEqualTo(MaskRule.topK(k2));
        assertThat(learn.training().learningRate()).isEqualTo(lr2);
        assertThat(learn.training().batchSize()).isEqualTo(batch2);
    }
}
