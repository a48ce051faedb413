package dev.allo.examples.bench;

import static dev.allo.examples.bench.BenchStats.format;
import static dev.allo.examples.bench.BenchStats.max;
import static dev.allo.examples.bench.BenchStats.median;
import static dev.allo.examples.bench.BenchStats.min;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Measures, in one run, the forward+backward throughput of small LLaMA models and the throughput of a plain
 * 1024x1024 float matmul through the same engine, side by side, and prints their ratio.
 *
 * <p>Models: hidden 256, 4 layers, 4 heads (head_dim 64, no GQA), vocabulary 8192, untied head; batch 8 of 128
 * tokens; intermediate size 1024 (4 H, the GPT ratio: the default) and 688 (LLaMA's 8/3 H rounded up to a multiple of
 * 16). One step is the forward pass, the masked per-token log-probabilities of every token ({@link TokenLogProbs}),
 * their sum as the loss, and the backward pass into every parameter; gradients are zeroed between steps (not timed).
 *
 * <p>FLOPs per step: {@code 6 N BT + 12 L H T BT}: the factor 6 is forward (2) plus backward (4) per parameter and
 * token, and the second term is the attention score and weighting products ({@code QK^T} and {@code PV}: 2 x 2 T^2 H
 * per layer and sequence forward, times 3 with backward). Two counts of {@code N} are reported: the parameters used
 * in matrix products (every projection and the output head; not the embedding lookup, which multiplies nothing, nor
 * the norm weights), the honest one; and all parameters, the common {@code 6 N} rule of thumb (reported as
 * "6N rule of thumb").
 *
 * <p>Because the machine is shared, the measurement alternates: each round times the matmul (median of 10) and then
 * each model (median of 5 steps). The headline ratio is best model round against best matmul round (the least
 * disturbed measurement of each); the ratio within each round, between numbers measured seconds apart, is printed
 * too, with the load average before and after.
 *
 * <p>Arguments (all optional): {@code --rounds N} (default 5), {@code --intermediate N} (only this model),
 * {@code --hidden N} (default 256, with N / 64 heads),
 * {@code --profile FILE} (writes a PyTorch profiler trace of a few steps of the first model and exits).
 * Run (docs/performance-model.md): {@code ./mvnw -q -B compile dependency:build-classpath -pl allo-examples -am
 * -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=runtime}, then {@code java -Dai.djl.offline=true -cp
 * "$(cat /tmp/cp.txt):allo-examples/target/classes" dev.allo.examples.bench.ModelBenchmark}.
 */
public final class ModelBenchmark {
    private static final int LAYERS = 4;
    private static final int HEAD_DIM = 64;
    private static final int VOCAB = 8192;
    private static final int BATCH = 8;
    private static final int SEQ = 128;
    private static final int MATMUL = 1024;
    private static final int STEPS = 5;
    private static final int[] DEFAULT_INTERMEDIATES = {1024, 688};
    private static final TokenLogProbs LOG_PROBS = TokenLogProbs.unchunked();
    private static final String NAME = "model";

    /** How the median forward+backward step figures of {@link #run} begin (milliseconds). */
    public static final String STEP_FIGURE = "forward+backward step (median),";

    private ModelBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args see the class documentation
     * @throws IOException if the load average or page-fault count cannot be read
     */
    public static void main(String[] args) throws IOException {
        int rounds = BenchArgs.intOption(args, "--rounds", 5);
        String only = BenchArgs.option(args, "--intermediate");
        String profile = BenchArgs.option(args, "--profile");
        int hidden = BenchArgs.intOption(args, "--hidden", 256);
        int[] intermediates = only == null ? DEFAULT_INTERMEDIATES
                : new int[] {BenchArgs.intOption(args, "--intermediate", 0)};
        measure(rounds, hidden, intermediates, profile);
    }

    /**
     * Measures the matmul and each model side by side, prints the report, and returns the key figures: per model,
     * the best step's GFLOP/s as a percentage of the best matmul round under both FLOP counts (target: at least 60%),
     * and the median forward+backward step in milliseconds (figure name starting with {@link #STEP_FIGURE}).
     *
     * @param rounds measurement rounds (matmul, then each model)
     * @param hidden hidden size, with {@code hidden / 64} heads
     * @param intermediates the MLP widths, one model each
     * @return the key figures
     * @throws IOException if the page-fault count cannot be read
     */
    public static List<BenchmarkFigure> run(int rounds, int hidden, int... intermediates) throws IOException {
        return measure(rounds, hidden, intermediates, null);
    }

    /** As {@link #run}; with {@code profile} set, writes a profiler trace of the first model instead (no figures). */
    private static List<BenchmarkFigure> measure(int rounds, int hidden, int[] intermediates, String profile)
            throws IOException {
        Engine engine = Engine.getInstance();
        System.out.printf(Locale.ROOT, "engine %s %s, intra-op threads %d, cores %d%n", engine.getEngineName(),
                engine.getVersion(), ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "load average before: %s%n", BenchStats.loadAverage());
        System.getenv().keySet().stream().filter(k -> k.startsWith("MALLOC_") || k.startsWith("OMP_")).sorted()
                .forEach(k -> System.out.printf(Locale.ROOT, "environment: %s=%s%n", k, System.getenv(k)));
        List<BenchmarkFigure> figures = new ArrayList<>();
        Device device = Device.cpu();
        DecoderModel[] models = new DecoderModel[intermediates.length];
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Random random = new Random(7);
            long[] ids = new long[BATCH * SEQ];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(VOCAB);
            }
            NDArray inputIds = manager.create(ids, new Shape(BATCH, SEQ));
            NDArray mask = manager.ones(new Shape(BATCH, SEQ), DataType.INT64);
            for (int m = 0; m < models.length; m++) {
                models[m] = DecoderModel.random(config(hidden, intermediates[m]), device, 42);
                models[m].setTrainable(true);
                trainStep(models[m], LOG_PROBS, inputIds, mask, 3); // warm-up
            }
            if (profile != null) {
                ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
                trainStep(models[0], LOG_PROBS, inputIds, mask, STEPS);
                ai.djl.pytorch.jni.JniUtils.stopProfile(profile);
                System.out.println("profile written to " + profile);
                return figures;
            }
            long faultsBefore = minorPageFaults();
            double[] matmul = new double[rounds];
            double[][] step = new double[models.length][rounds];
            double[][] forward = new double[models.length][rounds];
            for (int r = 0; r < rounds; r++) {
                matmul[r] = matmulGflops(device, 10);
                for (int m = 0; m < models.length; m++) {
                    step[m][r] = trainStep(models[m], LOG_PROBS, inputIds, mask, STEPS);
                    forward[m][r] = forwardStep(models[m], inputIds, mask, STEPS);
                }
            }
            long faults = minorPageFaults() - faultsBefore;
            System.out.printf(Locale.ROOT, "minor page faults: %d per model step on average%n",
                    faults / ((long) rounds * models.length * 2 * STEPS));
            System.out.printf(Locale.ROOT, "matmul %dx%d float32: median %.1f GFLOP/s, best %.1f (rounds: %s)%n",
                    MATMUL, MATMUL, median(matmul), max(matmul), format(matmul));
            for (int m = 0; m < models.length; m++) {
                DecoderConfig config = models[m].config();
                long tokens = (long) BATCH * SEQ;
                System.out.printf(Locale.ROOT, "model hidden=%d layers=%d heads=%d intermediate=%d vocab=%d,"
                        + " batch=%d x seq=%d: %d parameters, %d of them in matrix products%n",
                        config.hiddenSize(), LAYERS, config.numAttentionHeads(), config.intermediateSize(), VOCAB,
                        BATCH, SEQ, config.parameterCount(), StepFlops.matrixProductParameters(config));
                System.out.printf(Locale.ROOT, "  forward+backward: median %.1f ms/step (best %.1f) = %.0f tokens/s;"
                        + " forward only %.1f ms%n", median(step[m]) * 1e3, min(step[m]) * 1e3,
                        tokens / median(step[m]), median(forward[m]) * 1e3);
                double exact = report("parameters in matrix products", StepFlops.forwardBackward(
                        StepFlops.matrixProductParameters(config), config, BATCH, SEQ), step[m], matmul);
                double ruleOfThumb = report("all parameters (6N rule of thumb)",
                        StepFlops.forwardBackward(config.parameterCount(), config, BATCH, SEQ), step[m], matmul);
                String model = "H=" + config.hiddenSize() + " I=" + config.intermediateSize();
                figures.add(BenchmarkFigure.checked(NAME, model + " fwd+bwd / matmul GFLOP/s, all parameters"
                        + " (6N rule of thumb), best vs best", ruleOfThumb, "%", Comparison.AT_LEAST, 60));
                figures.add(BenchmarkFigure.checked(NAME, model + " fwd+bwd / matmul GFLOP/s, matrix-product"
                        + " parameters only, best vs best", exact, "%", Comparison.AT_LEAST, 60));
                figures.add(BenchmarkFigure.informational(NAME, STEP_FIGURE + " " + model + ", batch 8 x 128",
                        median(step[m]) * 1e3, "ms"));
            }
        } finally {
            for (DecoderModel model : models) {
                if (model != null) {
                    model.close();
                }
            }
        }
        System.out.printf(Locale.ROOT, "load average after: %s%n", BenchStats.loadAverage());
        return figures;
    }

    private static DecoderConfig config(int hidden, int intermediate) {
        return DecoderConfig.builder().hiddenSize(hidden).intermediateSize(intermediate).numHiddenLayers(LAYERS)
                .numAttentionHeads(hidden / HEAD_DIM).vocabSize(VOCAB).maxPositionEmbeddings(SEQ).build();
    }

    /**
     * Prints achieved GFLOP/s for one way of counting FLOPs, and its ratio to the matmul figure; returns the
     * headline, the best step's GFLOP/s as a percentage of the best matmul round.
     */
    private static double report(String counting, double flops, double[] stepSeconds, double[] matmul) {
        double[] ratio = new double[stepSeconds.length];
        for (int r = 0; r < ratio.length; r++) {
            ratio[r] = flops / stepSeconds[r] / 1e9 / matmul[r];
        }
        double best = flops / min(stepSeconds) / 1e9;
        System.out.printf(Locale.ROOT, "  counting %s: %.2f GFLOP/step, %.1f GFLOP/s (best step) = %.0f%% of the"
                + " best matmul; per round: median %.0f%% (%s)%n", counting, flops / 1e9, best,
                100 * best / max(matmul), 100 * median(ratio), format(ratio));
        return 100 * best / max(matmul);
    }

    /**
     * Median seconds of {@code steps} forward+backward steps: the masked per-token log-probabilities of every token,
     * their sum as the loss, and the backward pass into every parameter; gradients are zeroed after each (not timed).
     *
     * @param model the model, trainable
     * @param logProbs how the log-probabilities are computed (all positions at once or in chunks)
     * @param inputIds {@code (B, T)} token ids
     * @param mask {@code (B, T)} ones
     * @param steps timed steps
     * @return the median seconds per step
     */
    static double trainStep(DecoderModel model, TokenLogProbs logProbs, NDArray inputIds, NDArray mask, int steps) {
        double[] times = new double[steps];
        for (int i = 0; i < steps; i++) {
            long start = System.nanoTime();
            try (NDManager step = inputIds.getManager().newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray lp = logProbs.compute(model, inputIds, mask, mask); // (B, T)
                lp.attach(step);
                collector.backward(lp.sum());
            }
            times[i] = (System.nanoTime() - start) / 1e9;
            for (NDArray p : model.parameters().values()) {
                NDArray grad = p.getGradient();
                grad.subi(grad); // zero in place
                grad.close();
            }
        }
        return median(times);
    }

    /** Median seconds of {@code steps} forward passes (log-probabilities, no gradient recording). */
    private static double forwardStep(DecoderModel model, NDArray inputIds, NDArray mask, int steps) {
        double[] times = new double[steps];
        for (int i = 0; i < steps; i++) {
            long start = System.nanoTime();
            try (NDManager step = inputIds.getManager().newSubManager()) {
                NDArray lp = LOG_PROBS.compute(model, inputIds, mask, mask);
                lp.attach(step);
                lp.sum().getFloat();
            }
            times[i] = (System.nanoTime() - start) / 1e9;
        }
        return median(times);
    }

    /**
     * The GFLOP/s of a {@code 1024 x 1024} by {@code 1024 x 1024} float32 matrix product ({@code 2 n^3} FLOPs), the
     * median of {@code repeats} products after 3 warm-up ones.
     *
     * @param device where the matrices are
     * @param repeats timed products
     * @return GFLOP/s of the median product
     */
    static double matmulGflops(Device device, int repeats) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray a = manager.randomNormal(new Shape(MATMUL, MATMUL));
            NDArray b = manager.randomNormal(new Shape(MATMUL, MATMUL));
            double[] times = new double[repeats];
            for (int i = 0; i < 3 + repeats; i++) {
                long start = System.nanoTime();
                a.matMul(b).close();
                if (i >= 3) {
                    times[i - 3] = (System.nanoTime() - start) / 1e9;
                }
            }
            return 2.0 * MATMUL * MATMUL * MATMUL / median(times) / 1e9;
        }
    }

    /** Minor page faults of this process so far (field 10 of /proc/self/stat), or 0 where unavailable. */
    private static long minorPageFaults() throws IOException {
        Path stat = Path.of("/proc/self/stat");
        if (!Files.exists(stat)) {
            return 0;
        }
        String text = Files.readString(stat);
        String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]); // fields after the command name start at field 3
    }
}
