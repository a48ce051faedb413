package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.model.CausalLm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Gradient checkpointing changes no gradient: for random shapes (1-4 layers, grouped-query and plain attention,
 * explicit head widths, tied and untied heads), random parameters, random padded batches (either side), random
 * response masks and random per-token loss weights, every parameter's gradient of
 * {@code loss = sum_{b,t} w[b, t] * logp[b, t]} (per-token log-probs from {@link TokenLogProbs}, chunked or not) through
 * {@link CheckpointedDecoder} equals the gradient through the plain {@link DecoderModel}, relative difference
 * {@code ||g_ckpt - g|| / ||g|| <= 1e-6} per tensor in float32.
 */
class CheckpointedDecoderProperties {
    private static final double RELATIVE = 1e-6;

    @Test
    void checkpointedGradientsEqualPlainOnesForLlamaAndQwen2Shapes() {
        Gen<String> families = Generate.pick(List.of("llama", "qwen2"));
        qt().withFixedSeed(4_2024L).withExamples(40)
                .forAll(shapes(), families, TinyDecoders.batches(2, 9), longs().all())
                .assuming((sizes, family, batch, seed) -> batch.length() >= 2) // one token: nothing is scored
                .checkAssert((sizes, family, batch, seed) -> {
                    ReferenceFamily reference = family.equals("qwen2") ? ReferenceFamily.PLAIN.withBiases(true, false)
                            : ReferenceFamily.PLAIN;
                    DecoderConfig config = FamilyCase.builder(sizes, family).build();
                    compare(config, sizes, reference, ReferenceDecoder.randomParameters(sizes, reference, seed, 0.3),
                            remap(batch, sizes.vocabSize(), seed), seed, (seed & 1) == 0);
                });
    }

    @Test
    void checkpointedGradientsEqualPlainOnesForEveryFamilyOption() {
        Gen<FamilyCase> cases = Generate.pick(FamilyCase.all());
        qt().withFixedSeed(7_7007L).withExamples(26)
                .forAll(cases, TinyDecoders.batches(23, 8), longs().all())
                .assuming((c, batch, seed) -> batch.length() >= 2)
                .checkAssert((c, batch, seed) -> compare(c.config(), c.sizes(), c.family(), c.parameters(seed), batch,
                        seed, (seed & 1) == 0));
    }

    @Test
    void anotherModelKindIsRefusedByName() {
        ReferenceDecoderConfig sizes = FamilyCase.sizes(false, 8, 24);
        try (DecoderModel base = DecoderModel.random(FamilyCase.builder(sizes, "llama").build(), Device.cpu(), 1);
                LoraModel lora = LoraModel.create(base, LoraConfig.of(2, 4.0, List.of(LoraConfig.ALL_LINEAR)), 3)) {
            assertThatThrownBy(() -> CheckpointedDecoder.of(lora)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("LoraModel").hasMessageContaining("gradientCheckpointing");
        }
    }

    @Test
    void outsideGradModeItIsThePlainForwardAndKeepsNothing() {
        ReferenceDecoderConfig sizes = FamilyCase.sizes(true, 8, 24);
        try (DecoderModel model = DecoderModel.random(FamilyCase.builder(sizes, "qwen2").build(), Device.cpu(), 5);
                NDManager m = NDManager.newBaseManager()) {
            CheckpointedDecoder checkpointed = CheckpointedDecoder.of(model);
            NDArray ids = m.create(new long[] {1, 2, 3, 4}, new Shape(1, 4));
            NDArray mask = m.ones(new Shape(1, 4));
            float[] plain = model.hiddenStates(ids, mask).toFloatArray();
            float[] wrapped = checkpointed.hiddenStates(ids, mask).toFloatArray();
            assertThat(wrapped).containsExactly(plain);
            assertThat(checkpointed.pendingPasses()).isZero();
        }
    }

    /** Configurations of 1-4 layers over the shapes of {@link TinyDecoders#configs()}. */
    private static Gen<ReferenceDecoderConfig> shapes() {
        return TinyDecoders.configs().zip(integers().between(1, 4), (c, layers) -> new ReferenceDecoderConfig(
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

    private static void compare(DecoderConfig config, ReferenceDecoderConfig sizes, ReferenceFamily family,
            Map<String, double[]> params, PaddedBatch batch, long seed, boolean chunked) {
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
            TokenLogProbs logProbs = chunked ? TokenLogProbs.chunked(1 + random.nextInt(3)) : TokenLogProbs.unchunked();
            Map<String, float[]> plain;
            Map<String, float[]> checkpointed;
            try (DecoderModel a = DecoderModel.fromTensors(config, tensors, Device.cpu());
                    DecoderModel b = DecoderModel.fromTensors(config, tensors, Device.cpu())) {
                plain = gradients(a, false, m, ids, attention, response, weights, logProbs);
                checkpointed = gradients(b, true, m, ids, attention, response, weights, logProbs);
            }
            for (Map.Entry<String, float[]> e : plain.entrySet()) {
                float[] expected = e.getValue();
                float[] actual = checkpointed.get(e.getKey());
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < expected.length; i++) {
                    diff += Math.pow((double) actual[i] - expected[i], 2);
                    norm += Math.pow(expected[i], 2);
                }
                assertThat(Math.sqrt(diff)).as("gradient of %s (%s, batch %s): ||g_ckpt - g||, with ||g|| = %s",
                        e.getKey(), config.modelType(), batch, Math.sqrt(norm))
                        .isLessThanOrEqualTo(RELATIVE * Math.sqrt(norm));
            }
        }
    }

    private static Map<String, float[]> gradients(DecoderModel model, boolean checkpoint, NDManager m, int[][] ids,
            int[][] attention, double[][] response, double[][] weights, TokenLogProbs logProbs) {
        model.setTrainable(true);
        CheckpointedDecoder wrapper = checkpoint ? CheckpointedDecoder.of(model) : null;
        CausalLm forward = checkpoint ? wrapper : model;
        try (NDManager step = m.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray idArray = ModelTestSupport.ids(step, ids);
            NDArray mask = ModelTestSupport.mask(step, attention);
            NDArray lp = logProbs.compute(forward, idArray, mask, ModelTestSupport.floats(step, response)); // (B, T)
            NDArray loss = lp.mul(ModelTestSupport.floats(step, weights)).sum();
            collector.backward(loss);
            if (checkpoint) {
                assertThat(wrapper.pendingPasses()).isEqualTo(1);
                wrapper.backward(collector);
                assertThat(wrapper.pendingPasses()).isZero();
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().getGradient().toFloatArray());
        }
        return out;
    }
}
