package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.SgdConfig;
import dev.allo.impl.optim.MaskedSgd;
import dev.allo.data.TokenizedPair;
import dev.allo.train.LoopConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * A stage with {@code gradientCheckpointing} takes the same optimiser steps as without it: for random objectives,
 * micro-batch sizes and random masks, two steps of plain SGD ({@code theta' = theta - lr g}, so the weight change is
 * the masked gradient) and of {@link SparseAdamW} leave the same weights, and every step the same loss.
 */
class CheckpointedStageProperties {
    private static final List<TokenizedPair> PAIRS = TinyStage.weighted(TinyStage.pairs(12));

    @Test
    void checkpointedStagesTakeTheSameSteps() {
        Gen<ObjectiveConfig> objectives = Generate.pick(List.of(ObjectiveConfig.Dpo.defaults(),
                ObjectiveConfig.TokenDpo.defaults(), ObjectiveConfig.TokenNpo.defaults(), new ObjectiveConfig.Sft(),
                ObjectiveConfig.SimPo.defaults()));
        qt().withFixedSeed(9_1729L).withExamples(8)
                .forAll(objectives, integers().between(1, 6), longs().all(), integers().between(0, 1))
                .checkAssert((objective, micro, seed, adam) -> {
                    Map<String, float[]> start;
                    try (DecoderModel initial = TinyStage.model(17)) {
                        start = TinyStage.weights(initial);
                    }
                    Map<String, float[]> plain = new LinkedHashMap<>();
                    Map<String, float[]> checkpointed = new LinkedHashMap<>();
                    double[] plainLoss = run(objective, micro, seed, adam == 1, false, plain);
                    double[] checkpointedLoss = run(objective, micro, seed, adam == 1, true, checkpointed);
                    for (int s = 0; s < plainLoss.length; s++) {
                        assertThat(checkpointedLoss[s]).as("%s loss of step %d", objective.name(), s + 1)
                                .isCloseTo(plainLoss[s], org.assertj.core.data.Offset.offset(
                                        1e-6 * (1 + Math.abs(plainLoss[s]))));
                    }
                    for (String name : start.keySet()) {
                        double diff = 0;
                        double norm = 0;
                        for (int i = 0; i < start.get(name).length; i++) {
                            double moved = plain.get(name)[i] - start.get(name)[i];
                            diff += Math.pow(checkpointed.get(name)[i] - plain.get(name)[i], 2);
                            norm += moved * moved;
                        }
                        // relative to the update, not the weight: float32 rounding of theta itself is ~6e-8 |theta|
                        assertThat(Math.sqrt(diff)).as("%s: %s after two steps, update norm %s", objective.name(),
                                name, Math.sqrt(norm)).isLessThanOrEqualTo(1e-4 * Math.sqrt(norm) + 1e-7);
                    }
                });
    }

    @Test
    void aLoraPolicyIsRefusedAtBuildTime() {
        try (DecoderModel base = TinyStage.model(3);
                LoraModel lora = LoraModel.create(base, LoraConfig.of(2, 4.0, List.of(LoraConfig.ALL_LINEAR)), 1);
                SparseAdamW adamW = new SparseAdamW(TinyStage.adamW(1e-3),
                        NeuronMask.all(NeuronMask.shapesOf(lora.parameters())), lora.parameters())) {
            StageTrainer.Builder builder = StageTrainer.builder().policy(lora)
                    .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(adamW)
                    .pairs(PAIRS).config(LoopConfig.of(4, 2, 1)).padId(TinyStage.PAD).gradientCheckpointing(true);
            assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("LoraModel").hasMessageContaining("gradientCheckpointing");
        }
    }

    /** Two steps; the weights after them into {@code out}; the steps' losses. */
    private static double[] run(ObjectiveConfig objective, int micro, long seed, boolean adam, boolean checkpoint,
            Map<String, float[]> out) {
        try (DecoderModel model = TinyStage.model(17)) {
            NeuronMask mask = randomMask(model, seed);
            try (dev.allo.optim.MaskedOptimizer optimizer = adam ? new SparseAdamW(TinyStage.adamW(1e-2), mask, model.parameters())
                    : new MaskedSgd(new SgdConfig(0.5, 0, 0, 0, false, LearningRateSchedule.constant(),
                            GradientClipping.none()), mask, model.parameters())) {
                LoopConfig config = LoopConfig.of(6, micro, 1).withMaxSteps(2).withReferenceBatchSize(12);
                var result = StageTrainer.builder().policy(model).objective(PreferenceObjective.of(objective))
                        .optimizer(optimizer).pairs(PAIRS).config(config).padId(TinyStage.PAD)
                        .gradientCheckpointing(checkpoint).build().run();
                out.putAll(TinyStage.weights(model));
                return result.history().stream().mapToDouble(s -> s.loss()).toArray();
            }
        }
    }

    /** A random 30% of the weights. */
    private static NeuronMask randomMask(DecoderModel model, long seed) {
        Map<String, NDArray> zeros = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                zeros.put(e.getKey(), m.zeros(e.getValue().getShape(), DataType.FLOAT32));
            }
            try (ImportanceScores scores = ImportanceScores.of(zeros)) {
                return MaskSelector.random(0.3, seed).select(scores);
            }
        }
    }
}
