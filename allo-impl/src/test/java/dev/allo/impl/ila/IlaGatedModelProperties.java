package dev.allo.impl.ila;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.fixtures.ila.ReferenceGates;
import dev.allo.fixtures.model.PaddedBatch;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import dev.allo.fixtures.model.TinyDecoders;
import dev.allo.impl.lora.LoraTestSupport;
import dev.allo.impl.model.DecoderModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The gated model W0 + sigmoid(s) dW and its penalty against the double reference. */
class IlaGatedModelProperties {

    /** A tiny config and a padded batch of its vocabulary. */
    record Case(ReferenceDecoderConfig config, PaddedBatch batch) {}

    static org.quicktheories.core.Gen<Case> cases() {
        return TinyDecoders.configs().flatMap(c -> TinyDecoders.batches(c.vocabSize(), 5).map(b -> new Case(c, b)));
    }

    @Test
    void gatesAtPlusInfinityGiveTheUpdatedModelAtMinusInfinityTheBaseAndInBetweenTheGatedOne() {
        qt().withFixedSeed(8201).withExamples(10).forAll(cases(), longs().all())
                .checkAssert((c, seed) -> check(c.config(), c.batch(), seed));
    }

    private static void check(ReferenceDecoderConfig rc, PaddedBatch batch, long seed) {
        Map<String, double[]> base = ReferenceDecoder.randomParameters(rc, seed, 0.3);
        Random random = new Random(seed ^ 77);
        Map<String, double[]> updates = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : rc.parameterShapes().entrySet()) {
            if (e.getKey().startsWith("model.layers.") && e.getValue().length == 2
                    && (updates.isEmpty() || random.nextBoolean())) {
                double[] d = new double[base.get(e.getKey()).length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.3 * random.nextGaussian());
                }
                updates.put(e.getKey(), d);
            }
        }
        int[][] ids = batch.ids(0);
        int[][] mask = batch.mask();
        try (DecoderModel model = LoraTestSupport.model(rc, base); NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> dw = new LinkedHashMap<>();
            updates.forEach((k, v) -> dw.put(k, LoraTestSupport.array(m, v, rc.parameterShapes().get(k))));
            try (IlaGatedModel gated = IlaGatedModel.create(model, dw, 0.0)) {
                int count = gated.matrices().size();
                assertThat(gated.matrices()).containsExactlyElementsOf(updates.keySet());
                float[] mid = new float[count];
                for (int l = 0; l < count; l++) {
                    mid[l] = (float) (6 * random.nextDouble() - 3);
                }
                for (float[] s : List.of(filled(count, 40f), filled(count, -40f), mid)) {
                    gated.setGateLogits(s);
                    Map<String, double[]> expectedWeights = new LinkedHashMap<>();
                    base.forEach((k, v) -> expectedWeights.put(k, rounded(v)));
                    for (int l = 0; l < count; l++) {
                        String name = gated.matrices().get(l);
                        expectedWeights.put(name, ReferenceGates.gated(rounded(base.get(name)), updates.get(name),
                                s[l]));
                    }
                    double[][][] expected = new ReferenceDecoder(rc, expectedWeights).logits(ids, mask);
                    NDArray logits = gated.forward(LoraTestSupport.ints(m, ids), LoraTestSupport.ints(m, mask));
                    LoraTestSupport.assertLogitsClose(logits, expected, mask, "s=" + s[0]);
                }
            }
        }
    }

    @Test
    void thePenaltyGradientIsLambdaGammaOneMinusGamma() {
        Map<String, double[]> base = ReferenceDecoder.randomParameters(TINY, 1, 0.1);
        List<String> matrices = TINY.parameterShapes().keySet().stream()
                .filter(n -> n.startsWith("model.layers.") && TINY.parameterShapes().get(n).length == 2).toList();
        try (DecoderModel model = LoraTestSupport.model(TINY, base)) {
            qt().withFixedSeed(8202).withExamples(30)
                    .forAll(integers().between(1, matrices.size()), doubles().between(0, 2), longs().all())
                    .checkAssert((count, lambda, seed) -> {
                        Random random = new Random(seed);
                        double[] s = new double[count];
                        float[] f = new float[count];
                        for (int i = 0; i < count; i++) {
                            f[i] = (float) (12 * random.nextDouble() - 6);
                            s[i] = f[i];
                        }
                        try (NDManager m = NDManager.newBaseManager()) {
                            Map<String, NDArray> dw = new LinkedHashMap<>();
                            for (String name : matrices.subList(0, count)) {
                                dw.put(name, m.zeros(new Shape(toLongs(TINY.parameterShapes().get(name)))));
                            }
                            try (IlaGatedModel gated = IlaGatedModel.create(model, dw, 0.0)) {
                                gated.setGateLogits(f);
                                gated.setTrainable(true);
                                double value;
                                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                                    NDArray penalty = gated.gateSum(m).mul(m.full(new Shape(), (float) (double) lambda));
                                    value = penalty.getFloat();
                                    collector.backward(penalty);
                                }
                                double[] want = ReferenceGates.penaltyGradient(lambda, s);
                                float[] got = gated.parameters().get(IlaGatedModel.GATES).getGradient().toFloatArray();
                                assertThat(value).isCloseTo(ReferenceGates.penalty(lambda, s),
                                        Offset.offset(1e-5 * (1 + count)));
                                for (int i = 0; i < count; i++) {
                                    assertThat((double) got[i]).as("gate %d", i).isCloseTo(want[i], Offset.offset(1e-6));
                                }
                                assertThat(gated.parameters()).containsOnlyKeys(IlaGatedModel.GATES);
                            }
                        }
                    });
        }
    }

    private static long[] toLongs(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    private static final ReferenceDecoderConfig TINY = new ReferenceDecoderConfig(4, 6, 2, 2, 1, 2, 10, 1e-6, 10000,
            true);

    private static float[] filled(int n, float v) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    private static double[] rounded(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
