package dev.allo.impl.ila;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraTestSupport;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.train.TrainingImportanceContext;
import dev.allo.importance.ImportanceContext;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.optim.AdamWConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.train.LoopConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The estimator on constructed problems, its scores contract, and the LoRA warm-up with the stability rule. */
class IlaImportanceEstimatorTest {
    private static final DecoderConfig CONFIG = DecoderConfig.builder().hiddenSize(16).intermediateSize(24)
            .numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(ByteTokenizer.VOCAB_SIZE)
            .initializerRange(0.05).build();
    private static final List<TokenizedPair> PAIRS = LoraTestSupport.pairs(8);
    /** The matrices whose update helps; every other matrix gets the opposite update, which hurts. */
    private static final Set<String> HELPFUL = Set.of("model.layers.0.self_attn.v_proj.weight",
            "model.layers.0.mlp.down_proj.weight", "model.layers.1.self_attn.o_proj.weight",
            "model.layers.1.mlp.up_proj.weight");

    private static TrainingImportanceContext sftWarmUp(dev.allo.train.TrainingListener listener) {
        TrainingImportanceContext.Builder b = TrainingImportanceContext.builder(PAIRS)
                .objective(new ObjectiveConfig.Sft())
                .optimizer(AdamWConfig.builder().learningRate(1e-2).weightDecay(0).build())
                .config(LoopConfig.of(4, 4, 1)).padId(ByteTokenizer.PAD);
        if (listener != null) {
            b.listener(listener);
        }
        return b.build();
    }

    @Test
    void helpfulUpdatesRankFirstAndTheScoresFollowTheContract() {
        try (DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 31); NDManager m = NDManager.newBaseManager()) {
            Map<String, float[]> before = new LinkedHashMap<>();
            model.parameters().forEach((k, v) -> before.put(k, v.toFloatArray()));
            Map<String, NDArray> warm = UpdateSource.fullWarmUp().updates(model, sftWarmUp(null), m);
            assertThat(warm).hasSize(14);
            Map<String, NDArray> constructed = new LinkedHashMap<>();
            warm.forEach((name, d) -> constructed.put(name, HELPFUL.contains(name) ? d : d.neg()));
            IlaImportanceEstimator ila = IlaImportanceEstimator.builder(PAIRS).objective(new ObjectiveConfig.Sft())
                    .updates(UpdateSource.given(constructed)).lambda(1e-3)
                    .optimizer(AdamWConfig.builder().learningRate(0.2).weightDecay(0).build())
                    .config(LoopConfig.of(4, 4, 2)).padId(ByteTokenizer.PAD).build();
            LayerSignificance significance = ila.significance(model, ImportanceContext.none());
            assertThat(significance.top(HELPFUL.size())).containsExactlyInAnyOrderElementsOf(HELPFUL);
            for (LayerSignificance.Entry e : significance.entries()) {
                assertThat(e.logit()).as(e.name()).matches(s -> HELPFUL.contains(e.name()) ? s > 0 : s < 0);
            }
            assertThat(ila.lastGateStage().history()).hasSize(4);
            assertThat(ila.lastGateStage().history().get(0).metrics()).containsKeys("ila/gate_sum", "ila/penalty");

            try (ImportanceScores scores = ila.estimate(model, ImportanceContext.none())) {
                assertThat(scores.names()).containsExactlyElementsOf(model.parameters().keySet());
                LayerSignificance again = ila.significance(model, ImportanceContext.none());
                for (LayerSignificance.Entry e : again.entries()) {
                    assertThat(scores.get(e.name()).toFloatArray()).containsOnly((float) e.logit());
                }
                assertThat(scores.get("model.norm.weight").toFloatArray()).containsOnly(Float.NEGATIVE_INFINITY);
                assertThat(scores.get("model.embed_tokens.weight").toFloatArray())
                        .containsOnly(Float.NEGATIVE_INFINITY);
                NeuronMask mask = MaskSelector.globalTopK(0.01).select(scores);
                mask.checkMatches(model.parameters());
            }
            model.parameters().forEach((k, v) -> assertThat(v.toFloatArray()).as(k).isEqualTo(before.get(k)));
        }
    }

    @Test
    void aLoraWarmUpStopsWhenTheUpdateIsStableAndGatesItsTargets() {
        try (DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 32);
                UpdateStabilityMonitor monitor = new UpdateStabilityMonitor(1, 10.0, true, null)) {
            // epsilon 10: the second check is stable, so the 8-pair, batch-2 epoch (4 steps) ends after step 2
            TrainingImportanceContext context = TrainingImportanceContext.builder(PAIRS)
                    .objective(ObjectiveConfig.Dpo.defaults())
                    .optimizer(AdamWConfig.builder().learningRate(1e-2).weightDecay(0).build())
                    .config(LoopConfig.of(2, 2, 1)).padId(ByteTokenizer.PAD).listener(monitor).build();
            IlaImportanceEstimator ila = IlaImportanceEstimator.builder(PAIRS)
                    .updates(UpdateSource.loraWarmUp(LoraConfig.of(2, 4, List.of("q_proj", "v_proj")), 3, monitor))
                    .config(LoopConfig.of(4, 4, 1)).padId(ByteTokenizer.PAD).build();
            LayerSignificance significance = ila.significance(model, context);
            assertThat(monitor.checks()).hasSize(2);
            assertThat(monitor.checks().get(0).relativeChange()).isNaN();
            assertThat(monitor.checks().get(1).step()).isEqualTo(2);
            assertThat(monitor.checks().get(1).relativeChange()).isPositive().isLessThan(10.0);
            assertThat(monitor.isStable()).isTrue();
            assertThat(significance.entries()).extracting(LayerSignificance.Entry::name).containsExactly(
                    "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.v_proj.weight",
                    "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.v_proj.weight");
        }
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> IlaImportanceEstimator.builder(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one pair");
        assertThatThrownBy(() -> IlaImportanceEstimator.builder(PAIRS).lambda(-1))
                .hasMessageContaining("lambda must be finite and >= 0, got -1.0");
        try (DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 1)) {
            assertThatThrownBy(() -> IlaImportanceEstimator.builder(PAIRS).build()
                    .estimate(model, ImportanceContext.none())).isInstanceOf(IllegalStateException.class);
        }
    }
}
