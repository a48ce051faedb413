package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.lora.LoraNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LoRA on every family: adapters on all seven projections of each layer (never on biases or norms), and the
 * adapted model's logits equal the family reference with {@code W = W0 + (alpha / r) B A} computed in double.
 */
class ModelFamilyLoraTest {
    private static final int[][] IDS = {{3, 17, 5, 9, 22, 1, 0, 14}, {0, 0, 4, 11, 19, 2, 7, 13}};
    private static final int[][] MASK = {{1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1}};

    static Stream<FamilyCase> cases() {
        return FamilyCase.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void loraTargetsTheProjectionsAndMatchesTheReferenceWithMergedWeights(FamilyCase c) {
        Map<String, double[]> params = c.parameters(21);
        int rank = 2;
        double alpha = 3.0;
        LoraConfig lora = LoraConfig.of(rank, alpha, List.of(LoraConfig.ALL_LINEAR));
        Random random = new Random(4);
        try (NDManager manager = NDManager.newBaseManager(); DecoderModel base = c.model(params, manager)) {
            List<String> targets = LoraModel.targetNames(base, lora);
            assertThat(targets).hasSize(7 * c.config().numHiddenLayers()).allMatch(n -> n.endsWith("_proj.weight"));
            Map<String, NDArray> adapters = new LinkedHashMap<>();
            Map<String, double[]> merged = new LinkedHashMap<>(params);
            for (String name : targets) {
                Shape w = base.parameters().get(name).getShape();
                int out = (int) w.get(0);
                int in = (int) w.get(1);
                float[] a = gaussian(random, rank * in, 0.3);
                float[] b = gaussian(random, out * rank, 0.3);
                adapters.put(LoraNames.loraA(name), manager.create(a, new Shape(rank, in)));
                adapters.put(LoraNames.loraB(name), manager.create(b, new Shape(out, rank)));
                double[] eff = params.get(name).clone();
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double s = 0;
                        for (int r = 0; r < rank; r++) {
                            s += (double) b[o * rank + r] * a[r * in + i];
                        }
                        eff[o * in + i] = (float) params.get(name)[o * in + i] + alpha / rank * s;
                    }
                }
                merged.put(name, eff);
            }
            double[][][] expected = c.reference(merged).logits(IDS, MASK);
            try (LoraModel adapted = LoraModel.fromAdapters(base, lora, adapters, 0)) {
                float[][][] actual = ModelTestSupport.array3(
                        adapted.forward(ModelTestSupport.ids(manager, IDS), ModelTestSupport.mask(manager, MASK)));
                double max = 0;
                for (int s = 0; s < IDS.length; s++) {
                    for (int t = 0; t < IDS[s].length; t++) {
                        for (int v = 0; MASK[s][t] == 1 && v < expected[s][t].length; v++) {
                            max = Math.max(max, Math.abs(actual[s][t][v] - expected[s][t][v]));
                        }
                    }
                }
                assertThat(max).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    private static float[] gaussian(Random random, int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (std * random.nextGaussian());
        }
        return out;
    }
}
