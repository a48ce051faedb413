package dev.allo.impl.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.ila.ReferenceLora;
import dev.allo.fixtures.model.PaddedBatch;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import dev.allo.fixtures.model.TinyDecoders;
import dev.allo.impl.model.DecoderModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** LoRA's effective weights against the double reference: unmerged forward = merged forward = reference. */
class LoraModelProperties {

    @Test
    void mergedAndUnmergedForwardsEqualTheReferenceWithEffectiveWeights() {
        qt().withFixedSeed(8101).withExamples(12)
                .forAll(cases(), integers().between(1, 3), integers().between(0, 127), longs().all())
                .checkAssert((c, rank, targetBits, seed) -> check(c.config(), c.batch(), rank, targetBits, seed));
    }

    /** A tiny config and a padded batch of its vocabulary. */
    record Case(ReferenceDecoderConfig config, PaddedBatch batch) {}

    static org.quicktheories.core.Gen<Case> cases() {
        return TinyDecoders.configs().flatMap(c -> TinyDecoders.batches(c.vocabSize(), 5).map(b -> new Case(c, b)));
    }

    private static void check(ReferenceDecoderConfig rc, PaddedBatch batch, int rank, int targetBits, long seed) {
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < LoraConfig.LINEAR_MODULES.size(); i++) {
            if ((targetBits >> i & 1) == 1) {
                modules.add(LoraConfig.LINEAR_MODULES.get(i));
            }
        }
        if (modules.isEmpty()) {
            modules.add(LoraConfig.ALL_LINEAR);
        }
        double alpha = 1 + Math.floorMod(seed, 16);
        LoraConfig config = LoraConfig.of(rank, alpha, modules);
        Map<String, double[]> base = ReferenceDecoder.randomParameters(rc, seed, 0.3);
        Random random = new Random(seed ^ 0x5DEECE66DL);
        Map<String, double[]> effective = new LinkedHashMap<>(base);
        try (DecoderModel model = LoraTestSupport.model(rc, base); NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> adapters = new LinkedHashMap<>();
            for (String name : LoraModel.targetNames(model, config)) {
                int[] shape = rc.parameterShapes().get(name);
                double[] a = gaussian(random, rank * shape[1], 0.3);
                double[] b = gaussian(random, shape[0] * rank, 0.3);
                adapters.put(LoraNames.loraA(name), LoraTestSupport.array(m, a, new int[] {rank, shape[1]}));
                adapters.put(LoraNames.loraB(name), LoraTestSupport.array(m, b, new int[] {shape[0], rank}));
                effective.put(name, ReferenceLora.effective(base.get(name), round(a), round(b), shape[0], shape[1],
                        rank, alpha));
            }
            int[][] ids = batch.ids(0);
            int[][] mask = batch.mask();
            double[][][] expected = new ReferenceDecoder(rc, effective).logits(ids, mask);
            try (LoraModel lora = LoraModel.fromAdapters(model, config, adapters, seed);
                    DecoderModel merged = lora.merge()) {
                assertThat(lora.parameters().keySet()).containsExactlyElementsOf(adapters.keySet());
                NDArray unmergedLogits = lora.forward(LoraTestSupport.ints(m, ids), LoraTestSupport.ints(m, mask));
                NDArray mergedLogits = merged.forward(LoraTestSupport.ints(m, ids), LoraTestSupport.ints(m, mask));
                LoraTestSupport.assertLogitsClose(unmergedLogits, expected, mask, "unmerged");
                LoraTestSupport.assertLogitsClose(mergedLogits, expected, mask, "merged");
                assertThat(merged.parameters().keySet()).containsExactlyElementsOf(model.parameters().keySet());
            }
        }
    }

    private static double[] gaussian(Random random, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * random.nextGaussian();
        }
        return v;
    }

    /** The float values the model actually holds. */
    private static double[] round(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
