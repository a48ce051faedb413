package dev.allo.examples.bench;

import ai.djl.Device;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import dev.allo.examples.quickstart.EngineThreads;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.train.LoopConfig;
import dev.allo.train.StageResult;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Resident memory over one long stage: a tiny LLaMA (hidden 16, 2 layers, byte vocabulary) trained by DPO for
 * {@code --steps} optimiser steps (default 30,000) on 64 short pairs, batches of 2, with the stage's metrics log
 * written to a temporary file as the pipeline does. The process's resident set size ({@code VmRSS} of
 * {@code /proc/self/status}) and the Java heap in use after a full GC are sampled every {@code --every} steps
 * (default 2,000) once the first {@code --warmup} steps (default 10,000: the native allocations of this process
 * settle within the first 8,000 steps, see docs/performance.md) have run; the key figure is the growth of RSS per
 * 10,000 steps, the least-squares slope over the samples (target: under 5 MB). The Java heap in use after GC is
 * reported beside it: with a fixed, pre-touched heap its growth does not show in RSS, and a history of every step
 * (about 1.3 KB per step) would show there. The stage's in-memory history
 * ({@link StageResult#history()}) is bounded, so memory stays flat however long the stage.
 *
 * <p>Run with a fixed heap, so that heap growth does not show up as RSS: {@code MAVEN_OPTS="-Xms256m -Xmx256m
 * -XX:+AlwaysPreTouch" ./mvnw -q -B -pl allo-examples -am -DskipTests compile exec:java
 * -Dexec.mainClass=dev.allo.examples.bench.StageMemoryBenchmark} (add {@code -Dexec.args="--steps 30000"}).
 * Linux only ({@code /proc}).
 */
public final class StageMemoryBenchmark {
    private static final String NAME = "stage-memory";
    private static final double MB = 1024.0 * 1024.0;

    private StageMemoryBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args {@code --steps N}, {@code --every N}, {@code --warmup N}
     */
    public static void main(String[] args) {
        EngineThreads.defaultToOne(); // a tiny model is bound by per-op overhead; see EngineThreads
        run(BenchArgs.intOption(args, "--steps", 30_000), BenchArgs.intOption(args, "--every", 2_000),
                BenchArgs.intOption(args, "--warmup", 10_000));
    }

    /**
     * Runs the stage, prints the samples, and returns the key figures.
     *
     * @param steps optimiser steps
     * @param every steps between samples
     * @param warmup steps before the first sample
     * @return RSS growth per 10,000 steps (target under 5 MB) and context figures
     */
    public static List<BenchmarkFigure> run(int steps, int every, int warmup) {
        if (steps <= warmup + every) {
            throw new IllegalArgumentException("steps must exceed warmup + every (" + (warmup + every) + "), got "
                    + steps);
        }
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(ByteTokenizer.VOCAB_SIZE)
                .padTokenId(ByteTokenizer.PAD).build();
        List<TokenizedPair> pairs = pairs(64);
        LoopConfig loop = LoopConfig.of(2, 2, steps / 32 + 1).withMaxSteps(steps);
        AdamWConfig adamW = AdamWConfig.builder().learningRate(1e-3).schedule(LearningRateSchedule.constant())
                .build();
        List<long[]> samples = new ArrayList<>(); // step, RSS bytes, heap bytes
        TrainingListener sampler = new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.step() >= warmup && (m.step() - warmup) % every == 0) {
                    System.gc();
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    long rss = ProcessMemory.rssBytes();
                    samples.add(new long[] {m.step(), rss, heap});
                    System.out.printf(Locale.ROOT, "step %6d  RSS %8.1f MB  heap used %6.1f MB%n", m.step(),
                            rss / MB, heap / MB);
                }
            }
        };
        Path dir;
        try {
            dir = Files.createTempDirectory("allo-stage-memory");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long t0 = System.nanoTime();
        StageResult result;
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 5);
                SparseAdamW optimizer = new SparseAdamW(adamW, NeuronMask.all(NeuronMask.shapesOf(
                        model.parameters())), model.parameters())) {
            result = StageTrainer.builder().name("memory").policy(model)
                    .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(optimizer)
                    .pairs(pairs).config(loop).padId(ByteTokenizer.PAD).metricsLog(dir.resolve("metrics.jsonl"))
                    .listener(sampler).build().run();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
                Files.delete(dir);
            } catch (IOException e) {
                System.err.println("cannot delete " + dir + ": " + e);
            }
        }
        double seconds = BenchStats.secondsSince(t0);
        double rssSlope = slope(samples, 1) * 10_000 / MB;
        double heapSlope = slope(samples, 2) * 10_000 / MB;
        long first = samples.get(0)[1];
        long last = samples.get(samples.size() - 1)[1];
        System.out.printf(Locale.ROOT, "%d steps in %.0f s (%.2f ms/step); history kept in memory: %d entries; load"
                + " %s%n", result.steps(), seconds, 1000 * seconds / result.steps(), result.history().size(),
                BenchStats.loadAverage());
        System.out.printf(Locale.ROOT, "RSS %.1f MB at step %d -> %.1f MB at step %d; slope %.2f MB per 10,000"
                + " steps; heap after GC slope %.2f MB per 10,000 steps%n", first / MB, samples.get(0)[0], last / MB,
                samples.get(samples.size() - 1)[0], rssSlope, heapSlope);
        return List.of(
                BenchmarkFigure.checked(NAME, "RSS growth per 10,000 steps of one stage (least-squares slope)",
                        rssSlope, "MB", Comparison.BELOW, 5),
                BenchmarkFigure.informational(NAME, "Java heap after GC, growth per 10,000 steps", heapSlope, "MB"),
                BenchmarkFigure.informational(NAME, "StepMetrics kept in StageResult.history()",
                        result.history().size(), "entries"));
    }

    /** Least-squares slope of column {@code column} over column 0. */
    static double slope(List<long[]> samples, int column) {
        double n = samples.size();
        double mx = samples.stream().mapToDouble(s -> s[0]).sum() / n;
        double my = samples.stream().mapToDouble(s -> s[column]).sum() / n;
        double sxy = 0;
        double sxx = 0;
        for (long[] s : samples) {
            sxy += (s[0] - mx) * (s[column] - my);
            sxx += (s[0] - mx) * (s[0] - mx);
        }
        return sxy / sxx;
    }

    /** {@code n} short pairs "a+b=" -> the sum (chosen) vs. a wrong sum (rejected), byte-tokenised. */
    private static List<TokenizedPair> pairs(int n) {
        ByteTokenizer tok = ByteTokenizer.create();
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = (i % 13) + "+" + (i % 7) + "=";
            String chosen = Integer.toString(i % 13 + i % 7);
            String rejected = Integer.toString(i % 13 + i % 7 + 1 + i % 3);
            out.add(TokenizedPair.unweighted(i, PreferenceExample.of(prompt, chosen, rejected),
                    prepend(ByteTokenizer.BOS, tok.encode(prompt)), append(tok.encode(chosen), ByteTokenizer.EOS),
                    append(tok.encode(rejected), ByteTokenizer.EOS), Optional.empty()));
        }
        return out;
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    private static int[] append(int[] head, int last) {
        int[] out = java.util.Arrays.copyOf(head, head.length + 1);
        out[head.length] = last;
        return out;
    }
}
