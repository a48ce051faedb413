package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.model.ReferenceFamily;
import dev.allo.fixtures.model.ReferenceDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every family's logits against the plain double reference of that family, on a padded batch long enough for the
 * sliding windows and the dynamic / llama3 rotary scalings to matter.
 */
class ModelFamilyForwardTest {
    /** Largest allowed |float32 model - double reference| over all real tokens' logits. */
    private static final double MAX_DIFF = 1e-4;

    /** Three sequences: 9 real tokens; 6 left-padded by 3; 7 right-padded by 2. */
    private static final int[][] IDS = {
        {3, 17, 5, 9, 22, 1, 0, 14, 8}, {0, 0, 0, 4, 11, 19, 2, 7, 13}, {6, 21, 10, 15, 12, 18, 3, 0, 0}};
    private static final int[][] MASK = {
        {1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 0, 0}};

    static Stream<FamilyCase> cases() {
        return FamilyCase.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logitsMatchTheFamilyReference(FamilyCase c) {
        Map<String, double[]> params = c.parameters(11);
        double[][][] expected = c.reference(params).logits(IDS, MASK);
        try (NDManager manager = NDManager.newBaseManager(); DecoderModel model = c.model(params, manager)) {
            float[][][] actual = ModelTestSupport.array3(
                    model.forward(ModelTestSupport.ids(manager, IDS), ModelTestSupport.mask(manager, MASK)));
            assertThat(maxRealDiff(actual, expected)).isLessThanOrEqualTo(MAX_DIFF);
        }
    }

    /**
     * The option under test changes the logits by far more than the tolerance, so the comparison above would catch
     * it being ignored or misapplied (a window off by one, scaling skipped, a bias dropped).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theFamilyOptionsChangeTheResult(FamilyCase c) {
        if (c.family().equals(ReferenceFamily.PLAIN)) {
            return; // plain LLaMA / Mistral without a window: nothing to switch off
        }
        Map<String, double[]> params = c.parameters(11);
        double[][][] withOptions = c.reference(params).logits(IDS, MASK);
        List<ReferenceFamily> weakened = new ArrayList<>();
        ReferenceFamily f = c.family();
        if (f.windows() != null) {
            weakened.add(f.withWindows((int[]) null));
            int[] wider = f.windows().clone();
            for (int i = 0; i < wider.length; i++) {
                wider[i] = wider[i] == 0 ? 0 : wider[i] + 1;
            }
            weakened.add(f.withWindows(wider)); // a window one wider: W vs W + 1 keys
        }
        if (f.gemma() != null && f.gemma().attnSoftcap() > 0) {
            ReferenceFamily.Gemma g = f.gemma();
            weakened.add(f.withGemma(new ReferenceFamily.Gemma(g.queryPreAttnScalar(), 0, g.finalSoftcap())));
            weakened.add(f.withGemma(new ReferenceFamily.Gemma(g.queryPreAttnScalar(), g.attnSoftcap(), 0)));
        }
        if (f.gemma() != null) {
            ReferenceFamily.Gemma g = f.gemma();
            weakened.add(f.withGemma(null)); // the LLaMA decoder on the same weights
            weakened.add(f.withGemma(new ReferenceFamily.Gemma(2 * g.queryPreAttnScalar(), g.attnSoftcap(),
                    g.finalSoftcap())));
        }
        if (!f.ropeType().equals("default")) {
            weakened.add(f.withRope("default", 1, 0, 0, 0, f.maxPositionEmbeddings()));
        }
        for (ReferenceFamily w : weakened) {
            double[][][] other = new ReferenceDecoder(c.sizes(), w, params).logits(IDS, MASK);
            assertThat(maxRealDiff(other, withOptions)).as("%s vs %s", w, f).isGreaterThan(100 * MAX_DIFF);
        }
        if (f.qkvBias() || f.qkNorm()) {
            // Biases and norms: their parameters are random, so perturbing them must move the logits.
            for (Map.Entry<String, double[]> e : params.entrySet()) {
                if (e.getKey().endsWith(".bias") || e.getKey().contains("_norm.weight")
                        && e.getKey().contains("self_attn")) {
                    double[] v = e.getValue().clone();
                    v[0] += 1.0;
                    Map<String, double[]> changed = new java.util.LinkedHashMap<>(params);
                    changed.put(e.getKey(), v);
                    double[][][] other = c.reference(changed).logits(IDS, MASK);
                    assertThat(maxRealDiff(other, withOptions)).as(e.getKey()).isGreaterThan(100 * MAX_DIFF);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cachedAndUncachedForwardAgreeTokenByToken(FamilyCase c) {
        if (c.config().ropeScaling().dependsOnLength()) {
            return; // dynamic NTK: cached keys keep their pass's rotation (dynamicRopeWithACache...)
        }
        Map<String, double[]> params = c.parameters(5);
        try (NDManager manager = NDManager.newBaseManager(); DecoderModel model = c.model(params, manager);
                KeyValueCache cache = model.newKeyValueCache()) {
            NDArray ids = ModelTestSupport.ids(manager, IDS);
            NDArray mask = ModelTestSupport.mask(manager, MASK);
            float[][][] full = ModelTestSupport.array3(model.forward(ids, mask));
            int prefix = 4;
            float[][][] first = ModelTestSupport.array3(model.logits(
                    model.hiddenStates(ids.get(":, :" + prefix), mask.get(":, :" + prefix), cache)));
            assertThat(diff(first, full, 0, prefix)).isLessThanOrEqualTo(MAX_DIFF);
            for (int t = prefix; t < IDS[0].length; t++) {
                float[][][] step = ModelTestSupport.array3(model.logits(model.hiddenStates(
                        ids.get(":, " + t + ":" + (t + 1)), mask.get(":, :" + (t + 1)), cache)));
                for (int b = 0; b < IDS.length; b++) {
                    if (MASK[b][t] == 1) {
                        for (int v = 0; v < step[b][0].length; v++) {
                            assertThat((double) Math.abs(step[b][0][v] - full[b][t][v])).isLessThanOrEqualTo(MAX_DIFF);
                        }
                    }
                }
            }
        }
    }

    /**
     * Dynamic NTK scaling with a cache behaves as in transformers' generate: each pass rotates its own queries and
     * keys with the frequencies of its largest position, and cached keys keep theirs. Up to
     * max_position_embeddings (6 here) that is plain RoPE, so cached equals uncached; beyond it the uncached pass
     * re-rotates every key with the longer length and the two differ.
     */
    @org.junit.jupiter.api.Test
    void dynamicRopeWithACacheRotatesEachPassWithItsOwnLength() {
        FamilyCase c = FamilyCase.all().stream().filter(f -> f.name().equals("llama dynamic rope")).findFirst()
                .orElseThrow();
        int[][] ids = {IDS[0]};
        int[][] mask = {MASK[0]};
        Map<String, double[]> params = c.parameters(5);
        try (NDManager manager = NDManager.newBaseManager(); DecoderModel model = c.model(params, manager);
                KeyValueCache cache = model.newKeyValueCache()) {
            NDArray idArray = ModelTestSupport.ids(manager, ids);
            NDArray maskArray = ModelTestSupport.mask(manager, mask);
            for (int t = 0; t < ids[0].length; t++) {
                float[] step = ModelTestSupport.array3(model.logits(model.hiddenStates(
                        idArray.get(":, " + t + ":" + (t + 1)), maskArray.get(":, :" + (t + 1)), cache)))[0][0];
                int[][] prefixIds = {java.util.Arrays.copyOf(ids[0], t + 1)};
                int[][] prefixMask = {java.util.Arrays.copyOf(mask[0], t + 1)};
                double[] uncached = c.reference(params).logits(prefixIds, prefixMask)[0][t];
                double max = 0;
                for (int v = 0; v < step.length; v++) {
                    max = Math.max(max, Math.abs(step[v] - uncached[v]));
                }
                if (t + 1 <= 6) {
                    assertThat(max).as("position %d", t).isLessThanOrEqualTo(MAX_DIFF);
                } else if (t + 1 >= 8) {
                    assertThat(max).as("position %d", t).isGreaterThan(100 * MAX_DIFF);
                }
            }
        }
    }

    private static double diff(float[][][] part, float[][][] full, int from, int to) {
        double max = 0;
        for (int b = 0; b < part.length; b++) {
            for (int t = from; t < to; t++) {
                if (MASK[b][t] == 1) {
                    for (int v = 0; v < part[b][t - from].length; v++) {
                        max = Math.max(max, Math.abs(part[b][t - from][v] - full[b][t][v]));
                    }
                }
            }
        }
        return max;
    }

    static double maxRealDiff(float[][][] actual, double[][][] expected) {
        double max = 0;
        for (int b = 0; b < expected.length; b++) {
            for (int t = 0; t < expected[b].length; t++) {
                if (MASK[b][t] == 1) {
                    for (int v = 0; v < expected[b][t].length; v++) {
                        max = Math.max(max, Math.abs(actual[b][t][v] - expected[b][t][v]));
                    }
                }
            }
        }
        return max;
    }

    private static double maxRealDiff(double[][][] a, double[][][] b) {
        float[][][] f = new float[a.length][][];
        for (int i = 0; i < a.length; i++) {
            f[i] = new float[a[i].length][];
            for (int t = 0; t < a[i].length; t++) {
                f[i][t] = new float[a[i][t].length];
                for (int v = 0; v < a[i][t].length; v++) {
                    f[i][t][v] = (float) a[i][t][v];
                }
            }
        }
        return maxRealDiff(f, b);
    }
}
