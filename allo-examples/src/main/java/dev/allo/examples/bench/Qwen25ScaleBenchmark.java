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
import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.HfCheckpointWriter;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.model.DecoderCheckpoints;
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
 * Measures, side by side in one run, what a preference-training run of a model of Qwen2.5-0.5B's shape costs on the
 * CPU: loading its BF16 checkpoint, the forward+backward throughput of the training forward, and the process's peak
 * resident memory during it.
 *
 * <p>Model: {@code model_type} {@code qwen2} (q/k/v projection biases), 24 layers, hidden 896, 14 query and 2
 * key-value heads of 64, intermediate 4864, vocabulary 151,936, tied embeddings: 494,032,768 parameters, random
 * ({@link DecoderModel#random}), saved with {@link DecoderCheckpoints#save(DecoderModel, Path, SafetensorsDtype, long)} as
 * BF16 (about 0.99 GB, one file) to a scratch directory that is deleted at the end.
 *
 * <p>Load: {@link DecoderCheckpoints#load} (config, header checks, BF16 widened to float32, model built), one warm-up
 * load, then {@code loads} timed (default 3); the median in seconds and in seconds per GB (10^9 bytes) of weight
 * files (target: under 2 s per GB). The file has just been written, so it is in the page cache: this measures
 * parsing, widening and copying, not the disk.
 *
 * <p>Training forward, on the loaded model: the masked per-token log-probabilities of every token (as DPO's policy
 * forward computes them, in chunks of 128 positions, {@link TokenLogProbs#chunked}), their sum as the loss, and the
 * backward pass into every parameter (as in {@link ModelBenchmark}); at batch 1 x 512 and 4 x 512 tokens,
 * {@code warmup} untimed steps (default 1), then {@code steps} timed (default 2). FLOPs per step
 * {@code 6 N BT + 12 L D T BT} (forward 2 and backward 4 per parameter and token, plus the attention products
 * {@code QK^T} and {@code PV} over the full T x T square, D the query width), with N the parameters in matrix products (493,961,216: every
 * projection and the tied output head; all parameters, 494,032,768, differ by 0.01%), compared with the GFLOP/s of a
 * 1024x1024 float32 matmul measured before each shape and at the end: the
 * headline is the best step against the best matmul (target: at least 60%, as for the small models of
 * {@link ModelBenchmark}).
 *
 * <p>Memory: the peak resident set size ({@code VmHWM} of {@code /proc/self/status}) over each shape's steps, the peak reset
 * before the shape, beside the resident size before it (weights and gradients). Under {@code exec:java} the process
 * is Maven's JVM, so its heap counts too; cap it with {@code -Xmx}.
 *
 * <p>Arguments (all optional): {@code --layers N} (default 24), {@code --warmup N} (1), {@code --steps N} (2),
 * {@code --loads N} (3). Run (about 7 minutes on 2 cores, with a peak resident size of 18-20 GiB at
 * 4 x 512; not part of {@link AllBenchmarks} for that reason):
 *
 * <pre>
 * MAVEN_OPTS=-Xmx2g ./mvnw -o -q -B -pl allo-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.allo.examples.bench.Qwen25ScaleBenchmark
 * </pre>
 */
public final class Qwen25ScaleBenchmark {
    private static final int SEQ = 512;
    private static final int[] BATCHES = {1, 4};
    private static final int LOG_PROB_CHUNK = 128;
    private static final int MATMUL_REPEATS = 10;
    private static final double GIB = 1024.0 * 1024 * 1024;
    private static final String NAME = "qwen2.5-0.5b";

    private Qwen25ScaleBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args see the class documentation
     * @throws IOException if the scratch directory cannot be created or deleted
     */
    public static void main(String[] args) throws IOException {
        int layers = BenchArgs.intOption(args, "--layers", 24);
        int warmup = BenchArgs.intOption(args, "--warmup", 1);
        int steps = BenchArgs.intOption(args, "--steps", 2);
        int loads = BenchArgs.intOption(args, "--loads", 3);
        Path scratch = Files.createTempDirectory("allo-qwen-bench");
        try {
            List<BenchmarkFigure> figures = run(qwen25(layers), SEQ, BATCHES, warmup, steps, loads, scratch);
            System.out.println();
            System.out.print(FigureTable.markdown(figures));
        } finally {
            AtomicFiles.deleteTree(scratch);
        }
    }

    /**
     * Qwen2.5-0.5B's configuration ({@code config.json} of Qwen/Qwen2.5-0.5B), with {@code layers} decoder layers.
     *
     * @param layers the number of decoder layers (24 in the released model)
     * @return the configuration
     */
    public static DecoderConfig qwen25(int layers) {
        return DecoderConfig.builder().modelType("qwen2").architectures(List.of("Qwen2ForCausalLM"))
                .hiddenSize(896).intermediateSize(4864).numHiddenLayers(layers).numAttentionHeads(14)
                .numKeyValueHeads(2).vocabSize(151_936).tieWordEmbeddings(true).maxPositionEmbeddings(32_768)
                .ropeTheta(1_000_000.0).rmsNormEps(1e-6).bosTokenId(151_643).eosTokenIds(List.of(151_643)).build();
    }

    /**
     * Writes a random model of {@code config} as a BF16 checkpoint under {@code scratch} (deleted again at the end),
     * times its loads, then the training forward at each batch size; prints the report and returns the key figures.
     *
     * @param config the model's configuration
     * @param seq tokens per sequence
     * @param batches the batch sizes, one measurement each
     * @param warmup untimed steps per batch size, 0 or more
     * @param steps timed steps per batch size
     * @param loads timed loads, after one untimed
     * @param scratch an existing directory for the checkpoint
     * @return the key figures: load median (s and s per GB, the latter against 2 s per GB), and per batch size the
     *     tokens/s, the ratio to the matmul's GFLOP/s (against 60%) and the peak RSS
     * @throws IllegalArgumentException if a count is out of range
     * @throws IOException if the checkpoint cannot be measured or deleted
     */
    public static List<BenchmarkFigure> run(DecoderConfig config, int seq, int[] batches, int warmup, int steps,
            int loads, Path scratch) throws IOException {
        if (steps < 1 || loads < 1 || warmup < 0 || seq < 2 || batches.length == 0) {
            throw new IllegalArgumentException("need steps >= 1, loads >= 1, warmup >= 0, seq >= 2 and a batch"
                    + " size, got steps=" + steps + ", loads=" + loads + ", warmup=" + warmup + ", seq=" + seq
                    + ", " + batches.length + " batch sizes");
        }
        Engine engine = Engine.getInstance();
        System.out.printf(Locale.ROOT, "engine %s %s, intra-op threads %d, cores %d, load average %s%n",
                engine.getEngineName(), engine.getVersion(), ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                Runtime.getRuntime().availableProcessors(), BenchStats.loadAverage());
        long matrixParameters = StepFlops.matrixProductParameters(config);
        System.out.printf(Locale.ROOT, "model %s: layers=%d hidden=%d heads=%d/%d intermediate=%d vocab=%d tied=%s:"
                + " %,d parameters, %,d of them in matrix products%n", config.modelType(), config.numHiddenLayers(),
                config.hiddenSize(), config.numAttentionHeads(), config.numKeyValueHeads(),
                config.intermediateSize(), config.vocabSize(), config.tieWordEmbeddings(), config.parameterCount(),
                matrixParameters);
        Device device = Device.cpu();
        Path dir = scratch.resolve("checkpoint");
        List<BenchmarkFigure> figures = new ArrayList<>();
        DecoderModel model = null;
        try {
            long start = System.nanoTime();
            try (DecoderModel random = DecoderModel.random(config, device, 42)) {
                double built = BenchStats.secondsSince(start);
                DecoderCheckpoints.save(random, dir, SafetensorsDtype.BF16, HfCheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
                System.out.printf(Locale.ROOT, "random model built in %.1f s, saved as BF16 in %.1f s%n", built,
                        BenchStats.secondsSince(start) - built);
            }
            long bytes = 0;
            int files;
            try (HfCheckpoint checkpoint = HfCheckpoint.open(dir)) {
                files = checkpoint.files().size();
                for (Path f : checkpoint.files()) {
                    bytes += Files.size(f);
                }
            }
            double[] loadSeconds = new double[loads];
            for (int i = 0; i <= loads; i++) {
                if (model != null) {
                    model.close();
                    model = null;
                }
                long loadStart = System.nanoTime();
                model = DecoderCheckpoints.load(dir, device);
                if (i > 0) {
                    loadSeconds[i - 1] = BenchStats.secondsSince(loadStart);
                }
            }
            long loaded = model.parameters().values().stream().mapToLong(NDArray::size).sum();
            if (loaded != config.parameterCount()) {
                throw new IllegalStateException("the model loaded from " + dir + " has " + loaded
                        + " parameters, its config implies " + config.parameterCount());
            }
            double gb = bytes / 1e9;
            double load = median(loadSeconds);
            System.out.printf(Locale.ROOT, "load %.3f GB of BF16 weights in %d file(s): median %.2f s (min %.2f,"
                    + " max %.2f over %d loads) = %.2f s per GB%n", gb, files, load, min(loadSeconds),
                    max(loadSeconds), loads, load / gb);
            String size = String.format(Locale.ROOT, "%.2f GB", gb);
            figures.add(BenchmarkFigure.informational(NAME, "load " + size + " BF16 checkpoint (median of " + loads
                    + ")", load, "s"));
            figures.add(BenchmarkFigure.checked(NAME, "load time per GB of BF16 checkpoint (median of " + loads
                    + ")", load / gb, "s/GB", Comparison.BELOW, 2));

            model.setTrainable(true);
            figures.addAll(train(model, seq, batches, warmup, steps, matrixParameters));
        } finally {
            if (model != null) {
                model.close();
            }
            if (Files.exists(dir)) {
                AtomicFiles.deleteTree(dir);
            }
        }
        System.out.printf(Locale.ROOT, "load average after: %s%n", BenchStats.loadAverage());
        return figures;
    }

    /** The training forward at each batch size, with a matmul measured before each and after the last. */
    private static List<BenchmarkFigure> train(DecoderModel model, int seq, int[] batches, int warmup, int steps,
            long matrixParameters) {
        DecoderConfig config = model.config();
        TokenLogProbs logProbs = TokenLogProbs.chunked(LOG_PROB_CHUNK);
        Device device = Device.cpu();
        double[][] stepSeconds = new double[batches.length][steps];
        long[] restingRss = new long[batches.length];
        long[] peakRss = new long[batches.length];
        boolean[] peakReset = new boolean[batches.length];
        double[] matmul = new double[batches.length + 1];
        Random random = new Random(7);
        for (int k = 0; k < batches.length; k++) {
            matmul[k] = ModelBenchmark.matmulGflops(device, MATMUL_REPEATS);
            restingRss[k] = ProcessMemory.rssBytes();
            peakReset[k] = ProcessMemory.resetPeak();
            try (NDManager manager = NDManager.newBaseManager(device)) {
                long[] ids = new long[batches[k] * seq];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = random.nextInt(config.vocabSize());
                }
                NDArray inputIds = manager.create(ids, new Shape(batches[k], seq)); // (B, T)
                NDArray mask = manager.ones(new Shape(batches[k], seq), DataType.INT64); // (B, T)
                if (warmup > 0) {
                    ModelBenchmark.trainStep(model, logProbs, inputIds, mask, warmup);
                }
                for (int s = 0; s < steps; s++) {
                    stepSeconds[k][s] = ModelBenchmark.trainStep(model, logProbs, inputIds, mask, 1);
                }
            }
            peakRss[k] = ProcessMemory.peakRssBytes();
        }
        matmul[batches.length] = ModelBenchmark.matmulGflops(device, MATMUL_REPEATS);
        System.out.printf(Locale.ROOT, "matmul 1024x1024 float32: best %.1f GFLOP/s (before each shape and at the end:"
                + " %s)%n", max(matmul), format(matmul));
        List<BenchmarkFigure> figures = new ArrayList<>();
        for (int k = 0; k < batches.length; k++) {
            String shape = batches[k] + " x " + seq;
            double tokens = (double) batches[k] * seq;
            double flops = StepFlops.forwardBackward(matrixParameters, config, batches[k], seq);
            double best = flops / min(stepSeconds[k]) / 1e9;
            double ratio = 100 * best / max(matmul);
            System.out.printf(Locale.ROOT, "batch %s: forward+backward median %.2f s/step (min %.2f, max %.2f;"
                    + " steps %s) = %.0f tokens/s; %.2f TFLOP/step (matrix-product count), %.1f GFLOP/s best step"
                    + " = %.0f%% of the best matmul (%.0f%% of the matmul just before)%n", shape,
                    median(stepSeconds[k]), min(stepSeconds[k]), max(stepSeconds[k]), format(stepSeconds[k]),
                    tokens / median(stepSeconds[k]), flops / 1e12, best, ratio, 100 * best / matmul[k]);
            System.out.printf(Locale.ROOT, "  RSS before %.2f GiB, peak during the steps %.2f GiB (%s)%n",
                    restingRss[k] / GIB, peakRss[k] / GIB, peakReset[k] ? "VmHWM reset before the shape"
                            : "VmHWM could not be reset: the process's lifetime peak");
            figures.add(BenchmarkFigure.informational(NAME, "forward+backward tokens/s, batch " + shape + " (median of "
                    + steps + ")", tokens / median(stepSeconds[k]), "tokens/s"));
            figures.add(BenchmarkFigure.checked(NAME, "fwd+bwd / matmul GFLOP/s, batch " + shape + ", matrix-product"
                    + " parameters, best vs best", ratio, "%", Comparison.AT_LEAST, 60));
            figures.add(BenchmarkFigure.informational(NAME, "peak RSS during fwd+bwd, batch " + shape
                    + (peakReset[k] ? "" : " (lifetime peak)"), peakRss[k] / GIB, "GiB"));
        }
        return figures;
    }
}
