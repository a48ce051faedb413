package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.fixtures.model.PaddedBatch;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import dev.allo.fixtures.model.ReferenceFamily;
import dev.allo.fixtures.model.TinyDecoders;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * The recomputing head changes no gradient and no value: for random shapes (1-3 layers, grouped-query and plain
 * attention, tied and untied heads), random parameters, random padded batches (either side), random response masks,
 * random chunk sizes (or none) and weights held in float32 or in BF16 with float32 masters of a random part, every
 * parameter's gradient of the non-linear loss {@code sum_{b,t} w[b, t] l[b, t] + sum_b tanh(sum_t l[b, t] / 4)}
 * through {@link RecomputedHead} (over the plain model and over a {@link CheckpointedDecoder}) equals the one-pass
 * head's through the plain {@link DecoderModel}, relative difference {@code ||g - g_1|| / ||g_1|| <= 1e-6} per tensor
 * in float32, and the log-probs are the same.
 */
class RecomputedHeadProperties {
    private static final double RELATIVE = 1e-6;

    @Test
    void twoPassGradientsEqualOnePassOnes() {
        Gen<String> families = Generate.pick(List.of("llama", "qwen2"));
        qt().withFixedSeed(9_2026L).withExamples(40)
                .forAll(shapes(), families, TinyDecoders.batches(2, 9), longs().all())
                .assuming((sizes, family, batch, seed) -> batch.length() >= 2) // one token: nothing is scored
                .checkAssert((sizes, family, batch, seed) -> {
                    ReferenceFamily reference = family.equals("qwen2") ? ReferenceFamily.PLAIN.withBiases(true, false)
                            : ReferenceFamily.PLAIN;
                    DecoderConfig config = FamilyCase.builder(sizes, family).build();
                    compare(config, sizes, reference, ReferenceDecoder.randomParameters(sizes, reference, seed, 0.3),
                            remap(batch, sizes.vocabSize(), seed), seed);
                });
    }

    @Test
    void outsideGradModeItIsThePlainHeadAndKeepsNothing() {
        ReferenceDecoderConfig sizes = FamilyCase.sizes(true, 8, 24);
        try (DecoderModel model = DecoderModel.random(FamilyCase.builder(sizes, "qwen2").build(), Device.cpu(), 5);
                NDManager m = NDManager.newBaseManager()) {
            RecomputedHead head = RecomputedHead.of(TokenLogProbs.chunked(2));
            NDArray ids = m.create(new long[] {1, 2, 3, 4, 5}, new Shape(1, 5));
            NDArray mask = m.ones(new Shape(1, 5));
            float[] plain = TokenLogProbs.chunked(2).compute(model, ids, mask, mask).toFloatArray();
            float[] twoPass = head.compute(model, ids, mask, mask, false)[0].toFloatArray();
            assertThat(twoPass).containsExactly(plain);
            assertThat(head.pendingPasses()).isZero();
        }
    }

    /** Configurations of 1-3 layers over the shapes of {@link TinyDecoders#configs()}. */
    private static Gen<ReferenceDecoderConfig> shapes() {
        return TinyDecoders.configs().zip(integers().between(1, 3), (c, layers) -> new ReferenceDecoderConfig(
                c.hiddenSize(), c.intermediateSize(), layers, c.numHeads(), c.numKvHeads(), c.headDim(),
                Math.max(3, c.vocabSize()), c.rmsNormEps(), c.ropeTheta(), c.tieWordEmbeddings()));
    }

    /** The batch's token ids drawn again from {@code [0, vocab)}, keeping its lengths and padding side. */
    private static PaddedBatch remap(PaddedBatch batch, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] sequences = new int[batch.sequences().length][];
        for (int b = 0; b < sequences.length; b++) {
            sequences[b] = random.ints(batch.sequences()[b].length, 0, vocab).toArray();
        }
        return new PaddedBatch(sequences, batch.leftPadding());
    }

    /** Each scalar selected with probability 0.3 (none of a weight may be selected; never all of the model). */
    private static NeuronMask partialMask(DecoderModel model, SplittableRandom random) {
        NeuronMask.Builder mask = NeuronMask.builder();
        for (Map.Entry<String, Shape> e : model.config().parameterShapes().entrySet()) {
            int n = Math.toIntExact(e.getValue().size());
            int[] picked = new int[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (random.nextDouble() < 0.3) {
                    picked[k++] = i;
                }
            }
            mask.add(e.getKey(), e.getValue(), Arrays.copyOf(picked, Math.min(k, n - 1)));
        }
        return mask.build();
    }

    private static void compare(DecoderConfig config, ReferenceDecoderConfig sizes, ReferenceFamily family,
            Map<String, double[]> params, PaddedBatch batch, long seed) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = ModelTestSupport.floatTensors(sizes.parameterShapes(family), params, m);
            int[][] ids = batch.ids(0);
            int[][] attention = batch.mask();
            SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
            double[][] response = new double[ids.length][ids[0].length];
            double[][] weights = new double[ids.length][ids[0].length];
            for (int b = 0; b < ids.length; b++) {
                for (int t = 0; t < ids[0].length; t++) {
                    response[b][t] = random.nextInt(4) == 0 ? 0 : 1;
                    weights[b][t] = random.nextDouble(-1, 1);
                }
            }
            TokenLogProbs logProbs = random.nextBoolean() ? TokenLogProbs.chunked(1 + random.nextInt(4))
                    : TokenLogProbs.unchunked();
            boolean half = random.nextBoolean();
            long maskSeed = random.nextLong();
            Map<String, float[]> onePass;
            Map<String, float[]> twoPass;
            Map<String, float[]> twoPassCheckpointed;
            try (DecoderModel a = DecoderModel.fromTensors(config, tensors, Device.cpu());
                    DecoderModel b = DecoderModel.fromTensors(config, tensors, Device.cpu());
                    DecoderModel c = DecoderModel.fromTensors(config, tensors, Device.cpu())) {
                if (half) {
                    for (DecoderModel model : List.of(a, b, c)) {
                        model.holdInHalf(partialMask(model, new SplittableRandom(maskSeed)), HalfFormat.BF16);
                    }
                }
                onePass = gradients(a, Mode.ONE_PASS, m, ids, attention, response, weights, logProbs);
                twoPass = gradients(b, Mode.TWO_PASS, m, ids, attention, response, weights, logProbs);
                twoPassCheckpointed = gradients(c, Mode.TWO_PASS_CHECKPOINTED, m, ids, attention, response, weights,
                        logProbs);
            }
            String where = String.format("%s, batch %s, %s, %s", config.modelType(), batch,
                    config.tieWordEmbeddings() ? "tied" : "untied", half ? "BF16 with masters" : "float32");
            assertClose(onePass, twoPass, "two-pass, " + where);
            assertClose(onePass, twoPassCheckpointed, "two-pass checkpointed, " + where);
        }
    }

    private static void assertClose(Map<String, float[]> expectedAll, Map<String, float[]> actualAll, String where) {
        assertThat(actualAll.keySet()).containsExactlyElementsOf(expectedAll.keySet());
        for (Map.Entry<String, float[]> e : expectedAll.entrySet()) {
            float[] expected = e.getValue();
            float[] actual = actualAll.get(e.getKey());
            assertThat(actual).as("%s of %s", e.getKey(), where).hasSameSizeAs(expected);
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < expected.length; i++) {
                diff += Math.pow((double) actual[i] - expected[i], 2);
                norm += Math.pow(expected[i], 2);
            }
            assertThat(Math.sqrt(diff)).as("%s (%s): ||g - g_1||, with ||g_1|| = %s", e.getKey(), where,
                    Math.sqrt(norm)).isLessThanOrEqualTo(RELATIVE * Math.sqrt(norm));
        }
    }

    private enum Mode { ONE_PASS, TWO_PASS, TWO_PASS_CHECKPOINTED }

    /** Every parameter's gradient, and under {@code "logProbs"} the log-probs of the pass. */
    private static Map<String, float[]> gradients(DecoderModel model, Mode mode, NDManager m, int[][] ids,
            int[][] attention, double[][] response, double[][] weights, TokenLogProbs logProbs) {
        model.setTrainable(true);
        CheckpointedDecoder checkpointed = mode == Mode.TWO_PASS_CHECKPOINTED ? CheckpointedDecoder.of(model) : null;
        RecomputedHead head = mode == Mode.ONE_PASS ? null : RecomputedHead.of(logProbs);
        CausalLm forward = checkpointed != null ? checkpointed : model;
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager step = m.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray idArray = ModelTestSupport.ids(step, ids);
            NDArray mask = ModelTestSupport.mask(step, attention);
            NDArray responseArray = ModelTestSupport.floats(step, response);
            NDArray lp = head == null ? logProbs.compute(forward, idArray, mask, responseArray)
                    : head.compute(forward, idArray, mask, responseArray, false)[0]; // (B, T)
            out.put("logProbs", lp.toFloatArray());
            NDArray loss = lp.mul(ModelTestSupport.floats(step, weights)).sum()
                    .add(lp.sum(new int[] {1}).div(4).tanh().sum()); // non-linear in l: g depends on l
            collector.backward(loss);
            if (head != null) {
                assertThat(head.pendingPasses()).isEqualTo(1);
                head.backward(collector);
                assertThat(head.pendingPasses()).isZero();
            }
            if (checkpointed != null) {
                checkpointed.backward(collector);
            }
        }
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().getGradient().toFloatArray());
        }
        return out;
    }
}
