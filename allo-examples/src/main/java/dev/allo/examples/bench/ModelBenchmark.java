package dev.allo.examples.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.impl.model.LlamaConfig;
import dev.allo.impl.model.LlamaModel;
import dev.allo.impl.model.TokenLogProbs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Measures, in one run, the forward+backward throughput of a small LLaMA model and the throughput of a plain
 * 1024x1024 float matmul through the same engine, and prints their ratio.
 *
 * <p>Model: hidden 256, 4 layers, 4 heads (head_dim 64, no GQA), intermediate 688 (LLaMA's 8/3 H rounded up to a
 * multiple of 16), vocabulary 8192, untied head; batch 8 of 128 tokens. One step is the forward pass, the masked
 * per-token log-probabilities of every token ({@link TokenLogProbs}), their negated mean as the loss, and the backward
 * pass into every parameter; gradients are zeroed between steps.
 *
 * <p>FLOPs per step: {@code 6 N_mm BT + 12 L H T BT}, where {@code N_mm} counts the parameters used in matrix
 * products (every projection of every layer and the output head; not the embedding lookup or the norm weights), the
 * factor 6 is forward (2) plus backward (4), and the second term is the attention score and weighting products
 * ({@code QK^T} and {@code PV}, 2 x 2 T^2 H per layer and sequence forward, times 3 with backward).
 *
 * <p>Arguments (all optional): {@code --intermediate N}, {@code --vocab N}, {@code --steps N},
 * {@code --warmup N}, {@code --profile FILE} (writes a PyTorch profiler trace of the measured steps).
 * Run: {@code ./mvnw -q -B compile exec:java -pl allo-examples -am
 * -Dexec.mainClass=dev.allo.examples.bench.ModelBenchmark}.
 */
public final class ModelBenchmark {
    private static final int HIDDEN = 256;
    private static final int LAYERS = 4;
    private static final int HEADS = 4;
    private static final int BATCH = 8;
    private static final int SEQ = 128;
    private static final int MATMUL = 1024;

    private ModelBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args see the class documentation
     * @throws IOException if the load average cannot be read
     */
    public static void main(String[] args) throws IOException {
        int intermediate = intArg(args, "--intermediate", 688);
        int vocab = intArg(args, "--vocab", 8192);
        int steps = intArg(args, "--steps", 10);
        int warmup = intArg(args, "--warmup", 3);
        String profile = stringArg(args, "--profile");
        Engine engine = Engine.getInstance();
        System.out.printf(Locale.ROOT, "engine %s %s, threads=%s, load average at start: %s%n",
                engine.getEngineName(), engine.getVersion(), Runtime.getRuntime().availableProcessors(), load());

        LlamaConfig config = LlamaConfig.builder().hiddenSize(HIDDEN).intermediateSize(intermediate)
                .numHiddenLayers(LAYERS).numAttentionHeads(HEADS).vocabSize(vocab).maxPositionEmbeddings(SEQ)
                .build();
        Device device = Device.cpu();
        double matmulBefore = matmulGflops(device, 20);
        double[] model = modelStep(config, device, warmup, steps, profile);
        double matmulAfter = matmulGflops(device, 20);
        double matmul = (matmulBefore + matmulAfter) / 2;

        long tokens = (long) BATCH * SEQ;
        long matmulParams = matmulParameters(config);
        double flops = 6.0 * matmulParams * tokens + 12.0 * LAYERS * HIDDEN * SEQ * tokens;
        double seconds = model[0];
        double gflops = flops / seconds / 1e9;
        System.out.printf(Locale.ROOT, "config: hidden=%d layers=%d heads=%d intermediate=%d vocab=%d batch=%d"
                + " seq=%d params=%d (in matmuls: %d)%n", HIDDEN, LAYERS, HEADS, intermediate, vocab, BATCH, SEQ,
                config.parameterCount(), matmulParams);
        System.out.printf(Locale.ROOT, "model forward+backward: %.1f ms/step (median of %d; forward only %.1f ms),"
                + " %.0f tokens/s, %.2f GFLOP/step, %.1f GFLOP/s%n", seconds * 1e3, steps, model[1] * 1e3,
                tokens / seconds, flops / 1e9, gflops);
        System.out.printf(Locale.ROOT, "matmul %dx%d float: %.1f GFLOP/s (before %.1f, after %.1f)%n", MATMUL,
                MATMUL, matmul, matmulBefore, matmulAfter);
        System.out.printf(Locale.ROOT, "ratio model/matmul: %.0f%% (target >= 60%%)%n", 100 * gflops / matmul);
        System.out.printf(Locale.ROOT, "load average at end: %s%n", load());
    }

    /** Median seconds per forward+backward step, and median seconds per forward-only pass. */
    private static double[] modelStep(LlamaConfig config, Device device, int warmup, int steps, String profile) {
        try (LlamaModel model = LlamaModel.random(config, device, 42);
                NDManager manager = NDManager.newBaseManager(device)) {
            model.setTrainable(true);
            Random random = new Random(7);
            long[] ids = new long[BATCH * SEQ];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(config.vocabSize());
            }
            NDArray inputIds = manager.create(ids, new Shape(BATCH, SEQ));
            NDArray mask = manager.ones(new Shape(BATCH, SEQ), DataType.INT64);
            NDArray response = manager.ones(new Shape(BATCH, SEQ), DataType.FLOAT32);
            TokenLogProbs logProbs = TokenLogProbs.unchunked();
            double[] times = new double[steps];
            for (int i = 0; i < warmup + steps; i++) {
                if (i == warmup && profile != null) {
                    ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
                }
                long start = System.nanoTime();
                try (NDManager step = manager.newSubManager();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray lp = logProbs.compute(model, inputIds, mask, response); // (B, T)
                    lp.attach(step);
                    NDArray loss = lp.sum().div(-(double) BATCH * (SEQ - 1));
                    collector.backward(loss);
                }
                if (i >= warmup) {
                    times[i - warmup] = (System.nanoTime() - start) / 1e9;
                }
                for (NDArray p : model.parameters().values()) {
                    NDArray grad = p.getGradient();
                    grad.subi(grad); // zero in place
                    grad.close();
                }
            }
            if (profile != null) {
                ai.djl.pytorch.jni.JniUtils.stopProfile(profile);
            }
            model.setTrainable(false);
            double[] forward = new double[steps];
            for (int i = 0; i < warmup + steps; i++) {
                long start = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    NDArray lp = logProbs.compute(model, inputIds, mask, response);
                    lp.attach(step);
                    lp.sum().getFloat();
                }
                if (i >= warmup) {
                    forward[i - warmup] = (System.nanoTime() - start) / 1e9;
                }
            }
            return new double[] {median(times), median(forward)};
        }
    }

    private static double matmulGflops(Device device, int repeats) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray a = manager.randomNormal(new Shape(MATMUL, MATMUL));
            NDArray b = manager.randomNormal(new Shape(MATMUL, MATMUL));
            double[] times = new double[repeats];
            for (int i = 0; i < 5 + repeats; i++) {
                long start = System.nanoTime();
                a.matMul(b).close();
                if (i >= 5) {
                    times[i - 5] = (System.nanoTime() - start) / 1e9;
                }
            }
            return 2.0 * MATMUL * MATMUL * MATMUL / median(times) / 1e9;
        }
    }

    private static long matmulParameters(LlamaConfig config) {
        long perLayer = 2L * config.queryDim() * config.hiddenSize() + 2L * config.keyValueDim() * config.hiddenSize()
                + 3L * config.intermediateSize() * config.hiddenSize();
        return perLayer * config.numHiddenLayers() + (long) config.vocabSize() * config.hiddenSize();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String load() throws IOException {
        Path loadavg = Path.of("/proc/loadavg");
        return Files.exists(loadavg) ? Files.readString(loadavg).trim() : "unknown";
    }

    private static int intArg(String[] args, String name, int fallback) {
        String v = stringArg(args, name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    private static String stringArg(String[] args, String name) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return null;
    }
}
