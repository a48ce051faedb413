package dev.allo.impl.model;

import static dev.allo.impl.model.ModelTestSupport.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.fixtures.model.PaddedBatch;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import dev.allo.fixtures.model.TinyDecoders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The DJL LLaMA model against the double-precision reference, over random tiny configurations and batches. */
class DecoderModelProperties {
    private static final int EXAMPLES = 60;

    /** A configuration, a padded batch, and a seed for parameters and padding ids. */
    record Case(ReferenceDecoderConfig config, PaddedBatch batch, long seed) {
        Map<String, double[]> parameters() {
            return ReferenceDecoder.randomParameters(config, seed, 0.5);
        }

        int padId() {
            return (int) Math.floorMod(seed, config.vocabSize());
        }
    }

    static Gen<Case> cases(int maxLength) {
        return TinyDecoders.configs().flatMap(c -> TinyDecoders.batches(c.vocabSize(), maxLength)
                .zip(longs().all(), (b, s) -> new Case(c, b, s)));
    }

    @Test
    void logitsMatchTheDoublePrecisionReferenceForRealTokens() {
        qt().withFixedSeed(101).withExamples(EXAMPLES).forAll(cases(6)).checkAssert(c -> {
            Map<String, double[]> params = c.parameters();
            int[][] ids = c.batch().ids(c.padId());
            int[][] mask = c.batch().mask();
            double[][][] expected = new ReferenceDecoder(c.config(), params).logits(ids, mask);
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), params, m)) {
                NDArray logits = model.forward(ModelTestSupport.ids(m, ids), ModelTestSupport.mask(m, mask));
                assertThat(logits.getShape()).isEqualTo(new Shape(ids.length, ids[0].length, c.config().vocabSize()));
                float[][][] actual = ModelTestSupport.array3(logits);
                for (int b = 0; b < ids.length; b++) {
                    for (int t = 0; t < ids[b].length; t++) {
                        for (int v = 0; v < c.config().vocabSize(); v++) {
                            assertThat(Float.isFinite(actual[b][t][v])).as("finite at padding too").isTrue();
                            if (mask[b][t] == 1) {
                                double e = expected[b][t][v];
                                assertThat((double) actual[b][t][v]).as("logit [%d][%d][%d]", b, t, v)
                                        .isCloseTo(e, within(TOLERANCE * (1 + Math.abs(e))));
                            }
                        }
                    }
                }
            }
        });
    }

    @Test
    void changingLaterTokensNeverChangesEarlierLogits() {
        qt().withFixedSeed(102).withExamples(EXAMPLES).forAll(cases(7)).checkAssert(c -> {
            int[] tokens = c.batch().sequences()[0];
            Random r = new Random(c.seed());
            int t = r.nextInt(tokens.length);
            int[] changed = tokens.clone();
            for (int s = t + 1; s < changed.length; s++) {
                changed[s] = (changed[s] + 1 + r.nextInt(c.config().vocabSize() - 1)) % c.config().vocabSize();
            }
            int[][] ones = {new int[tokens.length]};
            java.util.Arrays.fill(ones[0], 1);
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m)) {
                float[][][] before = ModelTestSupport.array3(model.forward(
                        ModelTestSupport.ids(m, new int[][] {tokens}), ModelTestSupport.mask(m, ones)));
                float[][][] after = ModelTestSupport.array3(model.forward(
                        ModelTestSupport.ids(m, new int[][] {changed}), ModelTestSupport.mask(m, ones)));
                for (int s = 0; s <= t; s++) {
                    for (int v = 0; v < c.config().vocabSize(); v++) {
                        assertThat(after[0][s][v]).as("logit [%d][%d] after changing tokens > %d", s, v, t)
                                .isCloseTo(before[0][s][v], within(1e-5f));
                    }
                }
            }
        });
    }

    @Test
    void paddedRowsGiveTheLogitsOfTheUnpaddedSequences() {
        qt().withFixedSeed(103).withExamples(EXAMPLES).forAll(cases(6)).checkAssert(c -> {
            PaddedBatch batch = c.batch();
            int[][] ids = batch.ids(c.padId());
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m)) {
                float[][][] padded = ModelTestSupport.array3(
                        model.forward(ModelTestSupport.ids(m, ids), ModelTestSupport.mask(m, batch.mask())));
                for (int b = 0; b < ids.length; b++) {
                    int[] seq = batch.sequences()[b];
                    int[][] ones = {new int[seq.length]};
                    java.util.Arrays.fill(ones[0], 1);
                    float[][][] alone = ModelTestSupport.array3(
                            model.forward(ModelTestSupport.ids(m, new int[][] {seq}), ModelTestSupport.mask(m, ones)));
                    for (int t = 0; t < seq.length; t++) {
                        for (int v = 0; v < c.config().vocabSize(); v++) {
                            assertThat(padded[b][batch.offset(b) + t][v]).as("row %d token %d logit %d", b, t, v)
                                    .isCloseTo(alone[0][t][v], within(1e-4f * (1 + Math.abs(alone[0][t][v]))));
                        }
                    }
                }
            }
        });
    }

    /**
     * Positions count real tokens only, so padding anywhere (not only at the ends, where rotary embeddings would
     * hide a constant shift of positions anyway) leaves the real tokens' logits unchanged.
     */
    @Test
    void paddingInsertedAnywhereLeavesTheRealTokensLogitsUnchanged() {
        qt().withFixedSeed(106).withExamples(EXAMPLES).forAll(cases(6)).checkAssert(c -> {
            int[] seq = c.batch().sequences()[0];
            Random r = new Random(c.seed());
            List<Integer> ids = new ArrayList<>();
            List<Integer> real = new ArrayList<>();
            List<Integer> realAt = new ArrayList<>();
            for (int t = 0; t < seq.length; t++) {
                int pads = r.nextInt(3);
                for (int p = 0; p < pads; p++) {
                    ids.add(r.nextInt(c.config().vocabSize()));
                    real.add(0);
                }
                realAt.add(ids.size());
                ids.add(seq[t]);
                real.add(1);
            }
            int[][] paddedIds = {ids.stream().mapToInt(Integer::intValue).toArray()};
            int[][] mask = {real.stream().mapToInt(Integer::intValue).toArray()};
            Map<String, double[]> params = c.parameters();
            double[][][] expected = new ReferenceDecoder(c.config(), params)
                    .logits(new int[][] {seq}, new int[][] {java.util.Arrays.stream(seq).map(x -> 1).toArray()});
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), params, m)) {
                float[][][] actual = ModelTestSupport.array3(
                        model.forward(ModelTestSupport.ids(m, paddedIds), ModelTestSupport.mask(m, mask)));
                for (int t = 0; t < seq.length; t++) {
                    for (int v = 0; v < c.config().vocabSize(); v++) {
                        double e = expected[0][t][v];
                        assertThat((double) actual[0][realAt.get(t)][v]).as("token %d logit %d, mask %s", t, v,
                                java.util.Arrays.toString(mask[0])).isCloseTo(e, within(TOLERANCE * (1 + Math.abs(e))));
                    }
                }
            }
        });
    }

    @Test
    void theKeyValueCacheGivesTheHiddenStatesOfOnePass() {
        qt().withFixedSeed(104).withExamples(EXAMPLES).forAll(cases(7)).checkAssert(c -> {
            PaddedBatch batch = c.batch();
            int[][] ids = batch.ids(c.padId());
            int[][] mask = batch.mask();
            int length = ids[0].length;
            Random r = new Random(c.seed());
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m);
                    KeyValueCache cache = model.newKeyValueCache()) {
                NDArray allIds = ModelTestSupport.ids(m, ids);
                NDArray allMask = ModelTestSupport.mask(m, mask);
                float[][][] whole = ModelTestSupport.array3(model.hiddenStates(allIds, allMask));
                NDList parts = new NDList();
                int start = 0;
                while (start < length) {
                    int end = Math.min(length, start + 1 + r.nextInt(3));
                    parts.add(model.hiddenStates(allIds.get(":, " + start + ":" + end),
                            allMask.get(":, 0:" + end), cache));
                    start = end;
                }
                assertThat(cache.length()).isEqualTo(length);
                float[][][] stepped = ModelTestSupport.array3(NDArrays.concat(parts, 1));
                for (int b = 0; b < ids.length; b++) {
                    for (int t = 0; t < length; t++) {
                        if (mask[b][t] == 1) {
                            for (int h = 0; h < c.config().hiddenSize(); h++) {
                                assertThat(stepped[b][t][h]).as("hidden [%d][%d][%d]", b, t, h)
                                        .isCloseTo(whole[b][t][h], within(1e-4f * (1 + Math.abs(whole[b][t][h]))));
                            }
                        }
                    }
                }
            }
        });
    }

    @Test
    void parametersHaveTheHuggingFaceNamesShapesAndOrder() {
        qt().withFixedSeed(105).withExamples(30).forAll(TinyDecoders.configs(), longs().all()).checkAssert((r, seed) -> {
            try (DecoderModel model = DecoderModel.random(ModelTestSupport.config(r), ai.djl.Device.cpu(), seed)) {
                List<String> names = new ArrayList<>(model.parameters().keySet());
                assertThat(names).containsExactlyElementsOf(r.parameterShapes().keySet());
                for (Map.Entry<String, int[]> e : r.parameterShapes().entrySet()) {
                    long[] dims = java.util.Arrays.stream(e.getValue()).asLongStream().toArray();
                    assertThat(model.parameters().get(e.getKey()).getShape()).as(e.getKey())
                            .isEqualTo(new Shape(dims));
                }
                assertThat(model.config().parameterCount())
                        .isEqualTo(r.parameterShapes().values().stream()
                                .mapToLong(s -> java.util.Arrays.stream(s).asLongStream().reduce(1, (x, y) -> x * y))
                                .sum());
            }
        });
    }
}
