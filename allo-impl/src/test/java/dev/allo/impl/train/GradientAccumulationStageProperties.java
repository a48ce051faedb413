package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.allo.data.PaddingSide;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.MaskedSgd;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.SgdConfig;
import dev.allo.train.LoopConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * For any objective with a pair or token normalisation, micro-batch size and padding side, one optimiser step of
 * the stage loop over micro-batches equals the step over the unsplit batch: the same loss and, through a plain SGD
 * step ({@code theta' = theta - lr g}), the same gradient.
 */
class GradientAccumulationStageProperties {
    private static final List<TokenizedPair> PAIRS = TinyStage.weighted(TinyStage.pairs(12));
    private static final double LR = 0.5;

    private static double step(ObjectiveConfig objective, int micro, PaddingSide side, Map<String, float[]> out) {
        try (DecoderModel model = TinyStage.model(17); MaskedSgd sgd = new MaskedSgd(new SgdConfig(LR, 0, 0, 0,
                false, LearningRateSchedule.constant(), GradientClipping.none()), TinyStage.all(model),
                model.parameters())) {
            LoopConfig config = LoopConfig.of(6, micro, 1).withMaxSteps(1).withReferenceBatchSize(12)
                    .withBatch(dev.allo.data.BatchConfig.of(6).withPaddingSide(side));
            double loss = StageTrainer.builder().policy(model).objective(PreferenceObjective.of(objective))
                    .optimizer(sgd).pairs(PAIRS).config(config).padId(TinyStage.PAD).build().run().last().loss();
            out.putAll(TinyStage.weights(model));
            return loss;
        }
    }

    @Test
    void microBatchesEqualTheWholeBatch() {
        Gen<ObjectiveConfig> objectives = Generate.pick(List.of(ObjectiveConfig.Dpo.defaults(),
                ObjectiveConfig.TokenDpo.defaults(), ObjectiveConfig.TokenNpo.defaults(), new ObjectiveConfig.Sft(),
                ObjectiveConfig.Ipo.defaults(), ObjectiveConfig.SimPo.defaults()));
        Gen<PaddingSide> sides = Generate.pick(List.of(PaddingSide.values()));
        qt().withFixedSeed(20_260_101L).withExamples(8)
                .forAll(objectives, integers().between(1, 5), sides)
                .checkAssert((objective, micro, side) -> {
                    Map<String, float[]> whole = new java.util.LinkedHashMap<>();
                    Map<String, float[]> split = new java.util.LinkedHashMap<>();
                    Map<String, float[]> start;
                    try (DecoderModel initial = TinyStage.model(17)) {
                        start = TinyStage.weights(initial);
                    }
                    double wholeLoss = step(objective, 6, side, whole);
                    double splitLoss = step(objective, micro, side, split);
                    assertThat(splitLoss).as("%s loss, micro-batch %d", objective.name(), micro)
                            .isCloseTo(wholeLoss, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(wholeLoss))));
                    for (String name : start.keySet()) {
                        float[] w0 = start.get(name);
                        for (int i = 0; i < w0.length; i++) {
                            double g = (w0[i] - whole.get(name)[i]) / LR;
                            double gs = (w0[i] - split.get(name)[i]) / LR;
                            assertThat(gs).as("%s gradient of %s[%d], micro-batch %d", objective.name(), name, i,
                                    micro).isCloseTo(g, org.assertj.core.data.Offset.offset(2e-5 + 1e-3 * Math.abs(g)));
                        }
                    }
                });
    }
}
