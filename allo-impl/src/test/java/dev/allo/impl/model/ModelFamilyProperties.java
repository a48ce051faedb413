package dev.allo.impl.model;

import static dev.allo.impl.model.ModelTestSupport.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.model.PaddedBatch;
import dev.allo.fixtures.model.ReferenceFamily;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import dev.allo.fixtures.model.TinyDecoders;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Random tiny configurations of every family, with random family options (attention biases, windows and sliding
 * layers, rotary scalings), against the double-precision family reference on random padded batches.
 */
class ModelFamilyProperties {
    private static final int EXAMPLES = 40;

    /** The sizes, a padded batch, and a seed that picks the family, its options and the parameters. */
    record Case(ReferenceDecoderConfig sizes, PaddedBatch batch, long seed) {}

    static Gen<Case> cases() {
        return TinyDecoders.configs().flatMap(c -> TinyDecoders.batches(c.vocabSize(), 7)
                .zip(longs().all(), (b, s) -> new Case(c, b, s)));
    }

    /** Draws a family and its options from the seed: the implementation's config and the reference's options. */
    static FamilyCase family(ReferenceDecoderConfig r, long seed) {
        Random random = new Random(seed);
        String type = new String[] {"llama", "mistral", "qwen2", "qwen3", "gemma2"}[random.nextInt(5)];
        DecoderConfig.Builder b = FamilyCase.builder(r, type);
        ReferenceFamily f = ReferenceFamily.PLAIN;
        int layers = r.numLayers();
        int window = 1 + random.nextInt(4);
        switch (type) {
            case "llama" -> {
                boolean bias = random.nextBoolean();
                b.attentionBias(bias);
                f = f.withBiases(bias, bias);
            }
            case "mistral" -> {
                boolean on = random.nextBoolean();
                b.slidingWindow(on ? window : null);
                f = on ? f.withWindows(filled(layers, window, 0)) : f;
            }
            case "gemma2" -> {
                boolean bias = random.nextBoolean();
                boolean on = random.nextBoolean();
                double scalar = 1 + 20 * random.nextDouble();
                double attnCap = random.nextBoolean() ? 0 : 0.5 + 3 * random.nextDouble();
                double finalCap = random.nextBoolean() ? 0 : 0.5 + 3 * random.nextDouble();
                b.attentionBias(bias).slidingWindow(on ? window : null).queryPreAttnScalar(scalar)
                        .attnLogitSoftcapping(attnCap == 0 ? null : attnCap)
                        .finalLogitSoftcapping(finalCap == 0 ? null : finalCap);
                int[] w = new int[layers];
                for (int i = 0; on && i < layers; i += 2) {
                    w[i] = window;
                }
                f = f.withBiases(bias, bias).withWindows(w)
                        .withGemma(new ReferenceFamily.Gemma(scalar, attnCap, finalCap));
            }
            default -> {
                int first = random.nextInt(layers + 1);
                b.useSlidingWindow(true).slidingWindow(window).maxWindowLayers(first);
                f = f.withWindows(filled(layers, window, first));
                if (type.equals("qwen2")) {
                    f = f.withBiases(true, false);
                } else {
                    boolean bias = random.nextBoolean();
                    b.attentionBias(bias);
                    f = f.withBiases(bias, bias).withQkNorm(true);
                }
            }
        }
        int maxPositions = 2 + random.nextInt(6);
        double factor = 1 + 3 * random.nextDouble();
        switch (random.nextInt(4)) {
            case 1 -> {
                b.ropeScaling(new RopeScaling(RopeScaling.Type.LINEAR, factor, 0, 0, null));
                f = f.withRope("linear", factor, 0, 0, 0, 2048);
            }
            case 2 -> {
                b.maxPositionEmbeddings(maxPositions)
                        .ropeScaling(new RopeScaling(RopeScaling.Type.DYNAMIC, factor, 0, 0, null));
                f = f.withRope("dynamic", factor, 0, 0, 0, maxPositions);
            }
            case 3 -> {
                double high = 1.5 + 3 * random.nextDouble();
                int original = 4 + random.nextInt(60);
                b.ropeScaling(new RopeScaling(RopeScaling.Type.LLAMA3, factor, 1.0, high, original));
                f = f.withRope("llama3", factor, 1.0, high, original, 2048);
            }
            default -> {
                // plain RoPE
            }
        }
        return new FamilyCase(type, b.build(), r, f);
    }

    private static int[] filled(int layers, int window, int first) {
        int[] w = new int[layers];
        for (int i = first; i < layers; i++) {
            w[i] = window;
        }
        return w;
    }

    @Test
    void logitsMatchTheFamilyReferenceForRealTokens() {
        qt().withFixedSeed(301).withExamples(EXAMPLES).forAll(cases()).checkAssert(c -> {
            FamilyCase f = family(c.sizes(), c.seed());
            Map<String, double[]> params = f.parameters(c.seed());
            int[][] ids = c.batch().ids(Math.floorMod(c.seed(), c.sizes().vocabSize()));
            int[][] mask = c.batch().mask();
            double[][][] expected = f.reference(params).logits(ids, mask);
            try (NDManager m = NDManager.newBaseManager(); DecoderModel model = f.model(params, m)) {
                float[][][] actual = ModelTestSupport.array3(
                        model.forward(ModelTestSupport.ids(m, ids), ModelTestSupport.mask(m, mask)));
                for (int s = 0; s < ids.length; s++) {
                    for (int t = 0; t < ids[s].length; t++) {
                        for (int v = 0; mask[s][t] == 1 && v < expected[s][t].length; v++) {
                            double e = expected[s][t][v];
                            assertThat((double) actual[s][t][v]).as("%s %s logit [%d][%d][%d]", f.config().modelType(),
                                    f.family(), s, t, v).isCloseTo(e, within(TOLERANCE * (1 + Math.abs(e))));
                        }
                    }
                }
            }
        });
    }

    @Test
    void configJsonRoundTripsForEveryDrawnFamily() {
        qt().withFixedSeed(302).withExamples(200).forAll(TinyDecoders.configs(), integers().all())
                .checkAssert((sizes, seed) -> {
                    DecoderConfig c = family(sizes, seed).config();
                    assertThat(DecoderConfig.parse(c.toJson(), "drawn")).isEqualTo(c);
                });
    }
}
