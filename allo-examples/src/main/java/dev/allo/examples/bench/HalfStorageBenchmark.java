package dev.allo.examples.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.HalfFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Measures 16-bit storage of frozen weights at the Qwen2.5-0.5B shape ({@link Qwen25ScaleBenchmark#qwen25(int)},
 * with fewer layers by default to fit a small shared machine): checkpoint load time per GB of BF16 file for
 * <ul>
 *   <li>the earlier path, read into a staging manager and copied into the model
 *       ({@link HfCheckpoint#readAll} + {@link DecoderModel#fromTensors}),
 *   <li>{@link DecoderCheckpoints#load(Path, Device)}, read straight into the model's manager (widened to float32),
 *   <li>{@link DecoderCheckpoints#load(Path, Device, Set, HalfFormat)} with every weight held in BF16 (bytes read,
 *       never widened);
 * </ul>
 * and the forward pass of one {@code 1 x T} batch with float32 weights against BF16-held weights widened layer by
 * layer (the cost of widening). Each variant: one untimed run, then {@code runs} timed; medians (min, max).
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp ... dev.allo.examples.bench.HalfStorageBenchmark [--layers 4]
 * [--runs 3] [--tokens 128]}.
 */
public final class HalfStorageBenchmark {
    private HalfStorageBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args {@code --layers}, {@code --runs}, {@code --tokens}
     * @throws IOException if the temporary checkpoint cannot be written or deleted
     */
    public static void main(String[] args) throws IOException {
        int layers = BenchArgs.intOption(args, "--layers", 4);
        int runs = BenchArgs.intOption(args, "--runs", 3);
        int tokens = BenchArgs.intOption(args, "--tokens", 128);
        DecoderConfig config = Qwen25ScaleBenchmark.qwen25(layers);
        Path dir = Files.createTempDirectory("half-bench");
        try {
            try (DecoderModel random = DecoderModel.random(config, Device.cpu(), 1)) {
                DecoderCheckpoints.save(random, dir.resolve("ckpt"), SafetensorsDtype.BF16, Long.MAX_VALUE,
                        Map.of());
            }
            Path ckpt = dir.resolve("ckpt");
            double gb = Files.size(ckpt.resolve(HfCheckpoint.SINGLE_FILE)) / 1e9;
            System.out.printf(Locale.ROOT, "### HalfStorageBenchmark: Qwen2.5-0.5B shape, %d layers, %.3f GB BF16"
                    + " (load average %s)%n", layers, gb, BenchStats.loadAverage());
            Set<String> all = Set.copyOf(config.parameterShapes().keySet());
            double[] staged = time(runs, () -> {
                try (HfCheckpoint c = HfCheckpoint.open(ckpt); NDManager staging = NDManager.newBaseManager();
                        DecoderModel m = DecoderModel.fromTensors(config, c.readAll(staging), Device.cpu())) {
                    m.vocabSize();
                }
            });
            double[] direct = time(runs, () -> DecoderCheckpoints.load(ckpt, Device.cpu()).close());
            double[] half = time(runs, () -> DecoderCheckpoints.load(ckpt, Device.cpu(), all, HalfFormat.BF16)
                    .close());
            print("load, staging copy (earlier path)", staged, gb);
            print("load, float32, no staging copy", direct, gb);
            print("load, every weight held in BF16", half, gb);
            try (DecoderModel f32 = DecoderCheckpoints.load(ckpt, Device.cpu());
                    DecoderModel b16 = DecoderCheckpoints.load(ckpt, Device.cpu(), all, HalfFormat.BF16);
                    NDManager m = NDManager.newBaseManager()) {
                long[] ids = new SplittableRandom(3).longs(tokens, 0, config.vocabSize()).toArray();
                NDArray input = m.create(ids, new Shape(1, tokens));
                NDArray mask = m.ones(new Shape(1, tokens));
                double[] fwd32 = time(runs, () -> {
                    try (NDManager s = m.newSubManager()) {
                        f32.forward(input, mask).attach(s);
                    }
                });
                double[] fwd16 = time(runs, () -> {
                    try (NDManager s = m.newSubManager()) {
                        b16.forward(input, mask).attach(s);
                    }
                });
                System.out.printf(Locale.ROOT, "forward 1 x %d, float32 weights: %s s%n", tokens,
                        BenchStats.format(fwd32));
                System.out.printf(Locale.ROOT, "forward 1 x %d, BF16-held weights: %s s (+%.2f s per pass, %.2f s"
                        + " per GB of BF16 widened)%n", tokens, BenchStats.format(fwd16),
                        BenchStats.median(fwd16) - BenchStats.median(fwd32),
                        (BenchStats.median(fwd16) - BenchStats.median(fwd32)) / gb);
            }
            System.out.printf(Locale.ROOT, "load average after: %s%n", BenchStats.loadAverage());
        } finally {
            AtomicFiles.deleteQuietly(dir);
        }
    }

    private static void print(String what, double[] seconds, double gb) {
        System.out.printf(Locale.ROOT, "%s: %s s, median %.2f s per GB%n", what, BenchStats.format(seconds),
                BenchStats.median(seconds) / gb);
    }

    private static double[] time(int runs, Runnable task) {
        task.run();
        double[] out = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            task.run();
            out[i] = BenchStats.secondsSince(t0);
        }
        return out;
    }
}
