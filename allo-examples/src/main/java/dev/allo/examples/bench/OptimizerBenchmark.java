package dev.allo.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.impl.optim.DenseMaskedAdamW;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.MaskedOptimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Masked optimiser and key-neuron selection benchmark on about 51M float32 parameters (a three-layer LLaMA-shaped
 * model: hidden 1024, MLP 2816, vocabulary 6144, untied head), all measured side by side in one run:
 *
 * <ul>
 *   <li>the time to select the exact global top-10% (and top-1%) mask over 51M scores;
 *   <li>the per-step time of {@link DenseMaskedAdamW} at a 10% mask, {@link SparseAdamW} at 10% and 1%, and plain
 *       AdamW ({@link SparseAdamW} with an all-ones mask), interleaved round by round so that load from other
 *       processes hits every variant alike; the median over the timed rounds is reported;
 *   <li>the optimiser state bytes per model parameter of each.
 * </ul>
 *
 * <p>Usage: {@code OptimizerBenchmark [rounds=7]}. Run:
 * {@code ./mvnw -q -B compile exec:java -pl allo-examples -am
 * -Dexec.mainClass=dev.allo.examples.bench.OptimizerBenchmark}. The machine load ({@code /proc/loadavg}) is printed
 * before and after, since other processes may share the cores.
 */
public final class OptimizerBenchmark {
    private static final int HIDDEN = 1024;
    private static final int MLP = 2816;
    private static final int VOCAB = 6144;
    private static final int LAYERS = 3;
    private static final int WARMUP_ROUNDS = 2;

    private OptimizerBenchmark() {}

    /**
     * Runs the benchmark and prints a Markdown report.
     *
     * @param args optional number of timed rounds
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        System.out.println("load before: " + load() + ", cores: " + Runtime.getRuntime().availableProcessors()
                + ", engine: " + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = parameters(manager);
            long n = params.values().stream().mapToLong(NDArray::size).sum();
            System.out.printf("parameters: %,d in %d tensors%n%n", n, params.size());
            attachGradients(manager, params);

            NeuronMask top10;
            NeuronMask top1;
            double[] select10 = new double[3];
            double[] select1 = new double[3];
            try (ImportanceScores scores = scores(manager, params)) {
                top10 = null;
                top1 = null;
                for (int r = 0; r < select10.length; r++) {
                    long t0 = System.nanoTime();
                    top10 = MaskSelector.globalTopK(0.10).select(scores);
                    select10[r] = seconds(t0);
                    t0 = System.nanoTime();
                    top1 = MaskSelector.globalTopK(0.01).select(scores);
                    select1[r] = seconds(t0);
                }
            }
            System.out.println("| selection over " + String.format("%,d", n) + " scores | median s | runs (s) |");
            System.out.println("|---|---|---|");
            System.out.printf("| global top-10%% (%,d selected) | %.2f | %s |%n", top10.selectedCount(),
                    median(select10), Arrays.toString(round(select10)));
            System.out.printf("| global top-1%% (%,d selected) | %.2f | %s |%n%n", top1.selectedCount(),
                    median(select1), Arrays.toString(round(select1)));

            AdamWConfig config = AdamWConfig.builder().learningRate(1e-5).weightDecay(0.01).build();
            List<String> names = List.of("DenseMaskedAdamW, 10% mask", "SparseAdamW, 10% mask",
                    "SparseAdamW, 1% mask", "plain AdamW (SparseAdamW, all-ones mask)");
            List<MaskedOptimizer> optimizers = new ArrayList<>();
            optimizers.add(new DenseMaskedAdamW(config, top10, params));
            optimizers.add(new SparseAdamW(config, top10, params));
            optimizers.add(new SparseAdamW(config, top1, params));
            optimizers.add(new SparseAdamW(config, NeuronMask.all(NeuronMask.shapesOf(params)), params));
            double[][] times = new double[optimizers.size()][rounds];
            for (int r = 0; r < WARMUP_ROUNDS + rounds; r++) {
                for (int o = 0; o < optimizers.size(); o++) {
                    long t0 = System.nanoTime();
                    optimizers.get(o).step(params);
                    if (r >= WARMUP_ROUNDS) {
                        times[o][r - WARMUP_ROUNDS] = seconds(t0);
                    }
                }
            }
            double dense = median(times[0]);
            System.out.println("| optimiser step | median ms | x dense masked | state bytes / parameter |");
            System.out.println("|---|---|---|---|");
            for (int o = 0; o < optimizers.size(); o++) {
                System.out.printf("| %s | %.1f | %.3f | %.2f |%n", names.get(o), 1000 * median(times[o]),
                        median(times[o]) / dense, (double) optimizers.get(o).stateBytes() / n);
            }
            for (int o = 0; o < optimizers.size(); o++) {
                System.out.println(names.get(o) + " step times (ms): " + Arrays.toString(round(scale(times[o]))));
            }
            optimizers.forEach(MaskedOptimizer::close);
        }
        System.out.println("load after: " + load());
    }

    /** LLaMA-shaped float32 parameters with Hugging Face names, N(0, 0.02). */
    private static Map<String, NDArray> parameters(NDManager manager) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new Shape(VOCAB, HIDDEN));
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "self_attn.q_proj.weight", new Shape(HIDDEN, HIDDEN));
            shapes.put(p + "self_attn.k_proj.weight", new Shape(HIDDEN, HIDDEN));
            shapes.put(p + "self_attn.v_proj.weight", new Shape(HIDDEN, HIDDEN));
            shapes.put(p + "self_attn.o_proj.weight", new Shape(HIDDEN, HIDDEN));
            shapes.put(p + "mlp.gate_proj.weight", new Shape(MLP, HIDDEN));
            shapes.put(p + "mlp.up_proj.weight", new Shape(MLP, HIDDEN));
            shapes.put(p + "mlp.down_proj.weight", new Shape(HIDDEN, MLP));
            shapes.put(p + "input_layernorm.weight", new Shape(HIDDEN));
            shapes.put(p + "post_attention_layernorm.weight", new Shape(HIDDEN));
        }
        shapes.put("model.norm.weight", new Shape(HIDDEN));
        shapes.put("lm_head.weight", new Shape(VOCAB, HIDDEN));
        Map<String, NDArray> params = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> params.put(name, manager.randomNormal(0, 0.02f, shape, DataType.FLOAT32)));
        return params;
    }

    /** One backward pass of {@code sum_t sum(theta_t * G_t)} with random G: every parameter gets a gradient. */
    private static void attachGradients(NDManager manager, Map<String, NDArray> params) {
        params.values().forEach(p -> p.setRequiresGradient(true));
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (NDArray p : params.values()) {
                NDArray term = p.mul(step.randomNormal(p.getShape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            collector.backward(loss);
        }
    }

    /** U[0, 1) scores, like |delta theta| they are continuous with ties only by chance. */
    private static ImportanceScores scores(NDManager manager, Map<String, NDArray> params) {
        Map<String, NDArray> scores = new LinkedHashMap<>();
        params.forEach((name, p) -> scores.put(name, manager.randomUniform(0f, 1f, p.getShape())));
        return ImportanceScores.of(scores);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static double[] scale(double[] seconds) {
        return Arrays.stream(seconds).map(s -> s * 1000).toArray();
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 100) / 100.0).toArray();
    }
}
