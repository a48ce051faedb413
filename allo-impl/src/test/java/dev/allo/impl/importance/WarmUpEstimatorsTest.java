package dev.allo.impl.importance;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.allo.data.PaddingSide;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.TrainingImportanceContext;
import dev.allo.importance.ImportanceContext;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import dev.allo.optim.AdamWConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.train.LoopConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Weight-delta (Eq. 4) and accumulated-gradient importance against independently computed references. */
class WarmUpEstimatorsTest {
    private static final DecoderConfig CONFIG = DecoderConfig.builder().hiddenSize(16).intermediateSize(24)
            .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(ByteTokenizer.VOCAB_SIZE)
            .initializerRange(0.05).build();
    private static final int PAD = ByteTokenizer.PAD;

    private static List<TokenizedPair> pairs() {
        ByteTokenizer tok = ByteTokenizer.create();
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String prompt = "q" + i + ":";
            String chosen = "yes" + "!".repeat(i % 3);
            String rejected = "no" + i;
            out.add(TokenizedPair.unweighted(i, PreferenceExample.of(prompt, chosen, rejected),
                    tok.encode(prompt), tok.encode(chosen), tok.encode(rejected), Optional.empty()));
        }
        return out;
    }

    private static TrainingImportanceContext context(ObjectiveConfig objective) {
        return TrainingImportanceContext.builder(pairs()).objective(objective)
                .optimizer(AdamWConfig.builder().learningRate(1e-2).build()).config(LoopConfig.of(4, 2, 1))
                .padId(PAD).build();
    }

    private static Map<String, float[]> weights(DecoderModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static void assertSameWeights(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((name, w) -> assertThat(actual.get(name)).as("%s is unchanged", name).isEqualTo(w));
    }

    @Test
    void weightDeltaIsTheWarmUpsMovementAndLeavesTheModelUnchanged() {
        for (ObjectiveConfig objective : List.of(ObjectiveConfig.Dpo.defaults(), new ObjectiveConfig.Sft())) {
            TrainingImportanceContext context = context(objective);
            try (DecoderModel model = DecoderModel.random(CONFIG, ai.djl.Device.cpu(), 21);
                    DecoderModel replay = DecoderModel.random(CONFIG, ai.djl.Device.cpu(), 21)) {
                Map<String, float[]> before = weights(model);
                try (ImportanceScores scores = new WeightDeltaImportanceEstimator().estimate(model, context)) {
                    assertSameWeights(weights(model), before);
                    context.warmUp(replay); // the same warm-up, run again on an equal model
                    Map<String, float[]> warm = weights(replay);
                    double total = 0;
                    for (String name : before.keySet()) {
                        float[] s = scores.get(name).toFloatArray();
                        float[] a = before.get(name);
                        float[] b = warm.get(name);
                        for (int i = 0; i < s.length; i++) {
                            assertThat(s[i]).as("%s %s[%d]", objective.name(), name, i).isEqualTo(Math.abs(b[i] - a[i]));
                            total += s[i];
                        }
                    }
                    assertThat(total).as("the warm-up moved the weights").isPositive();
                    assertThat(scores.names()).containsExactlyElementsOf(model.parameters().keySet());
                }
            }
        }
    }

    @Test
    void accumulatedGradientIsTheSumOfMicroBatchGradients() {
        List<TokenizedPair> pairs = pairs();
        TrainingImportanceContext context = context(ObjectiveConfig.Dpo.defaults());
        try (DecoderModel model = DecoderModel.random(CONFIG, ai.djl.Device.cpu(), 22)) {
            Map<String, float[]> before = weights(model);
            Map<String, double[]> expected = independentGradientSum(model, pairs, 2);
            try (ImportanceScores scores = new AccumulatedGradientImportanceEstimator().estimate(model, context)) {
                assertSameWeights(weights(model), before);
                double largest = 0;
                for (String name : before.keySet()) {
                    float[] s = scores.get(name).toFloatArray();
                    double[] e = expected.get(name);
                    for (int i = 0; i < s.length; i++) {
                        double want = Math.abs(e[i]);
                        largest = Math.max(largest, want);
                        assertThat((double) s[i]).as("%s[%d]", name, i)
                                .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-6 + 1e-3 * want));
                    }
                }
                assertThat(largest).isGreaterThan(1e-4);
                NeuronMask mask = MaskSelector.globalTopK(0.1).select(scores);
                mask.checkMatches(model.parameters());
                assertThat(mask.selectedCount()).isEqualTo((long) Math.ceil(0.1 * mask.size()));
            }
        }
    }

    /**
     * sum over micro-batches of dL/dtheta, each micro-batch a separate backward pass into zeroed gradients, with the
     * reference log-probs taken from the same forward pass (the model is its own reference), summed in double.
     */
    private static Map<String, double[]> independentGradientSum(DecoderModel model, List<TokenizedPair> pairs,
            int micro) {
        Map<String, double[]> sum = new LinkedHashMap<>();
        model.parameters().forEach((k, v) -> sum.put(k, new double[(int) v.size()]));
        PreferenceObjective dpo = PreferenceObjective.of(ObjectiveConfig.Dpo.defaults());
        PreferenceCollator collator = new PreferenceCollator(PaddingSide.RIGHT, 1, PAD);
        model.setTrainable(true);
        for (int from = 0; from < pairs.size(); from += micro) {
            List<TokenizedPair> rows = pairs.subList(from, Math.min(pairs.size(), from + micro));
            try (NDManager m = NDManager.newBaseManager()) {
                for (NDArray p : model.parameters().values()) {
                    if (p.hasGradient()) {
                        NDArray g = p.getGradient();
                        g.muli(0);
                        g.close();
                    }
                }
                PreferenceBatch batch = collator.collate(rows, m);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray c = TokenLogProbs.unchunked().compute(model, batch.chosen().ids(),
                            batch.chosen().attentionMask(), batch.chosen().responseMask());
                    NDArray r = TokenLogProbs.unchunked().compute(model, batch.rejected().ids(),
                            batch.rejected().attentionMask(), batch.rejected().responseMask());
                    collector.backward(dpo.compute(PreferenceBatchLogProbs.of(
                            ResponseLogProbs.of(c, c.stopGradient(), batch.chosen().responseMask()),
                            ResponseLogProbs.of(r, r.stopGradient(), batch.rejected().responseMask()))).loss());
                }
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    NDArray g = e.getValue().getGradient();
                    float[] v = g.toFloatArray();
                    g.close();
                    double[] s = sum.get(e.getKey());
                    for (int i = 0; i < v.length; i++) {
                        s[i] += v[i];
                    }
                }
            }
        }
        model.setTrainable(false);
        return sum;
    }

    @Test
    void estimatorsNeedATrainingContext() {
        try (DecoderModel model = DecoderModel.random(CONFIG, ai.djl.Device.cpu(), 1)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new WeightDeltaImportanceEstimator()
                    .estimate(model, ImportanceContext.none())).isInstanceOf(IllegalStateException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AccumulatedGradientImportanceEstimator()
                    .estimate(model, ImportanceContext.none())).isInstanceOf(IllegalStateException.class);
        }
    }
}
