package dev.allo.examples.bench;

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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures how long loading a ~150 MB BF16 Hugging Face checkpoint takes: every tensor read into a float32
 * {@code NDArray} on the CPU (BF16 widened in Java), through {@link HfCheckpoint#readAll(NDManager)}.
 *
 * <p>The checkpoint is LLaMA-shaped (hidden 1024, intermediate 2816, 4 layers, vocabulary 12000, untied head: about
 * 76M parameters, 152 MB in BF16), written to a temporary directory with {@link HfCheckpointWriter} and deleted at the
 * end (weights only: loading does not need {@code config.json}). Each variant is loaded once to warm up, then
 * {@code runs} times (default 5); the median, minimum and maximum are printed. Variants, measured side by side in
 * one run: BF16 single file (the target: under one second), BF16 sharded into 50 MB shards, and the same weights as
 * an F32 single file (twice the bytes, no widening).
 *
 * <p>The files have just been written, so they are in the page cache: this measures parsing, mapping, widening and
 * copying, not the disk. Run with:
 *
 * <pre>
 * ./mvnw -q -B -pl allo-examples -am compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Dai.djl.offline=true -cp allo-examples/target/classes:$(cat /tmp/cp.txt) \
 *     dev.allo.examples.bench.CheckpointLoadBenchmark [RUNS]
 * </pre>
 */
public final class CheckpointLoadBenchmark {
    private static final int HIDDEN = 1024;
    private static final int INTERMEDIATE = 2816;
    private static final int LAYERS = 4;
    private static final int VOCAB = 12000;
    private static final String NAME = "checkpoint load";

    private CheckpointLoadBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args optional: the number of timed runs per variant (default 5)
     * @throws IOException if the temporary directory cannot be created or deleted
     */
    public static void main(String[] args) throws IOException {
        run(BenchArgs.intAt(args, 0, "runs", 5));
    }

    /**
     * Writes the three checkpoint variants, times {@code runs} loads of each after one warm-up load, prints the
     * report, and returns the median load seconds of each variant (the BF16 ones held against the one-second
     * target).
     *
     * @param runs timed loads per variant
     * @return the key figures
     * @throws IOException if the temporary directory cannot be created or deleted
     */
    public static List<BenchmarkFigure> run(int runs) throws IOException {
        Path root = Files.createTempDirectory("allo-ckpt-bench");
        try {
            Path bf16 = root.resolve("bf16");
            Path bf16Sharded = root.resolve("bf16-sharded");
            Path f32 = root.resolve("f32");
            long params;
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                Map<String, NDArray> weights = weights(manager);
                params = weights.values().stream().mapToLong(NDArray::size).sum();
                new HfCheckpointWriter().floatDtype(SafetensorsDtype.BF16).write(bf16, weights);
                new HfCheckpointWriter().floatDtype(SafetensorsDtype.BF16)
                        .maxShardBytes(50_000_000L).write(bf16Sharded, weights);
                new HfCheckpointWriter().floatDtype(SafetensorsDtype.F32).write(f32, weights);
            }
            System.out.printf(Locale.ROOT, "engine %s, %d threads available, load average %s%n",
                    Engine.getInstance().getEngineName(), Runtime.getRuntime().availableProcessors(),
                    BenchStats.loadAverage());
            System.out.printf(Locale.ROOT, "checkpoint: %,d parameters in %d tensors%n", params, 3 + 9 * LAYERS);
            List<BenchmarkFigure> figures = List.of(
                    BenchmarkFigure.checked(NAME, "load 152 MB BF16 checkpoint, single file (median)",
                            report("BF16 single file", bf16, runs), "s", Comparison.BELOW, 1),
                    BenchmarkFigure.checked(NAME, "load 152 MB BF16 checkpoint, 50 MB shards (median)",
                            report("BF16 50 MB shards", bf16Sharded, runs), "s", Comparison.BELOW, 1),
                    BenchmarkFigure.informational(NAME, "load the same weights as F32, single file (median)",
                            report("F32 single file", f32, runs), "s"));
            System.out.printf(Locale.ROOT, "load average after: %s%n", BenchStats.loadAverage());
            return figures;
        } finally {
            AtomicFiles.deleteTree(root);
        }
    }

    private static Map<String, NDArray> weights(NDManager manager) {
        manager.getEngine().setRandomSeed(1);
        Map<String, NDArray> w = new LinkedHashMap<>();
        w.put("model.embed_tokens.weight", normal(manager, VOCAB, HIDDEN));
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", manager.ones(new Shape(HIDDEN)));
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                w.put(p + "self_attn." + proj + ".weight", normal(manager, HIDDEN, HIDDEN));
            }
            w.put(p + "post_attention_layernorm.weight", manager.ones(new Shape(HIDDEN)));
            w.put(p + "mlp.gate_proj.weight", normal(manager, INTERMEDIATE, HIDDEN));
            w.put(p + "mlp.up_proj.weight", normal(manager, INTERMEDIATE, HIDDEN));
            w.put(p + "mlp.down_proj.weight", normal(manager, HIDDEN, INTERMEDIATE));
        }
        w.put("model.norm.weight", manager.ones(new Shape(HIDDEN)));
        w.put("lm_head.weight", normal(manager, VOCAB, HIDDEN));
        return w;
    }

    private static NDArray normal(NDManager manager, long rows, long cols) {
        return manager.randomNormal(0f, 0.02f, new Shape(rows, cols), DataType.FLOAT32);
    }

    /** Times {@code runs} loads after a warm-up, prints them, and returns the median seconds. */
    private static double report(String label, Path dir, int runs) throws IOException {
        long bytes = 0;
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            for (Path f : ckpt.files()) {
                bytes += Files.size(f);
            }
        }
        load(dir); // warm-up: JIT, page cache, allocator
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            seconds[i] = load(dir);
        }
        double median = BenchStats.median(seconds);
        System.out.printf(Locale.ROOT,
                "%-18s %6.1f MB on disk: median %.3f s (min %.3f, max %.3f over %d runs), %.2f GB/s read%n",
                label, bytes / 1e6, median, BenchStats.min(seconds), BenchStats.max(seconds), runs,
                bytes / 1e9 / median);
        return median;
    }

    /** Opens the checkpoint and reads every tensor as float32 on the CPU; returns the wall time in seconds. */
    private static double load(Path dir) {
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            Map<String, NDArray> arrays = ckpt.readAll(manager);
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (arrays.size() != 3 + 9 * LAYERS) {
                throw new IllegalStateException("expected " + (3 + 9 * LAYERS) + " tensors, read " + arrays.size());
            }
            return elapsed;
        }
    }
}
