package dev.allo.examples.bench;

import ai.djl.Device;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.MemoryEstimator;
import dev.allo.impl.train.MemoryEstimator.ModelShape;
import dev.allo.impl.train.MemoryEstimator.StageSettings;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.pipeline.MemoryPlan.StageMemory;
import dev.allo.pipeline.TrainingConfig.OptimizerKind;
import dev.allo.train.LoopConfig;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Gradient checkpointing at Qwen2.5-0.5B's shape on the CPU, side by side in one run: full-parameter DPO with float32
 * AdamW (moments for every weight) with and without {@code gradientCheckpointing}, one child JVM per configuration
 * so that each peak resident size is the configuration's own, beside the {@link MemoryEstimator}'s estimate of the
 * same stage.
 *
 * <p>Model: {@link Qwen25ScaleBenchmark#qwen25(int)} with random weights (494,032,768 parameters at 24 layers).
 * Stage: {@link StageTrainer} with the DPO objective, {@link SparseAdamW} on {@code NeuronMask.all} (plain AdamW),
 * log-probs in chunks of 128 positions, one micro-batch of {@code pairs} pairs per step (the batch is
 * {@code 2 pairs} sequences of {@code seq} tokens: a 16-token prompt and random responses), reference log-probs
 * computed from the policy before the first step, {@code steps} optimiser steps (default 2: the first allocates the
 * gradients, so the second is the steady state every later step repeats).
 *
 * <p>Per configuration the child reports: its resident size with the engine loaded and once the model and the
 * optimiser are built; its peak ({@code VmHWM}, reset after the model is built); each step's wall time. The optimiser
 * is wrapped so that the last step's peak is split at the optimiser step: the forward+backward peak, the resident
 * size when the step starts (weights, gradients, moments; activations freed) and the step's own peak. Derived: the
 * process's overhead (the resident size once the model and optimiser exist, less the bytes of the weights and the
 * moments: JVM heap, including the garbage of drawing the random weights, and the engine); the measured tensor peak
 * (peak less overhead), to compare with the estimate's peak; the <i>activation part</i>, the forward+backward peak
 * above the resident size when the step starts, to compare with the estimate's activations + logits; and the
 * optimiser step's temporaries, its peak above that resident size. A configuration whose estimate exceeds the
 * machine's {@code MemAvailable} less 1 GiB is not run; its estimate is reported instead.
 *
 * <p>The children run with {@code MALLOC_MMAP_THRESHOLD_=65536}, so that freed tensors leave the resident set
 * and each peak is that of live memory.
 *
 * <p>Arguments (all optional): {@code --layers N} (24), {@code --pairs N} (2: 4 sequences), {@code --seq a,b}
 * (512,1024), {@code --steps N} (2), {@code --estimate} (print the estimates only, run nothing). Run:
 *
 * <pre>
 * ./mvnw -o -q -B -pl allo-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.allo.examples.bench.CheckpointingMemoryBenchmark -Dexec.args="--seq 512,1024"
 * </pre>
 */
public final class CheckpointingMemoryBenchmark {
    private static final double GIB = 1024.0 * 1024 * 1024;
    private static final int PROMPT = 16;
    private static final int CHUNK = 128;
    private static final String RESULT = "RESULT ";

    private CheckpointingMemoryBenchmark() {}

    /**
     * Runs every configuration in a child JVM (or, with {@code --child}, one configuration in this JVM).
     *
     * @param args see the class documentation
     * @throws Exception if a child cannot be started or read
     */
    public static void main(String[] args) throws Exception {
        int layers = BenchArgs.intOption(args, "--layers", 24);
        int pairs = BenchArgs.intOption(args, "--pairs", 2);
        int steps = BenchArgs.intOption(args, "--steps", 2);
        if (BenchArgs.flag(args, "--child")) {
            child(layers, pairs, BenchArgs.intOption(args, "--seq", 512), steps, BenchArgs.flag(args, "--ckpt"));
            return;
        }
        String seqs = Optional.ofNullable(BenchArgs.option(args, "--seq")).orElse("512,1024");
        DecoderConfig config = Qwen25ScaleBenchmark.qwen25(layers);
        System.out.printf(Locale.ROOT, "model qwen2 layers=%d hidden=%d heads=%d/%d intermediate=%d vocab=%d:"
                + " %,d parameters; DPO, AdamW float32 on every weight, %d pairs (%d sequences) per step, %d steps,"
                + " log-prob chunks of %d; load average %s%n", layers, config.hiddenSize(),
                config.numAttentionHeads(), config.numKeyValueHeads(), config.intermediateSize(), config.vocabSize(),
                config.parameterCount(), pairs, 2 * pairs, steps, CHUNK, BenchStats.loadAverage());
        List<String> rows = new ArrayList<>();
        boolean estimateOnly = BenchArgs.flag(args, "--estimate");
        rows.add("| sequences x tokens | checkpointing | estimate: peak (activations + logits) | measured tensor"
                + " peak (peak RSS - overhead) | estimate / measured | last step: forward+backward peak - resident"
                + " before the optimiser step (activation part) | step 1 / step 2 time |");
        rows.add("|---|---|---|---|---|---|---|");
        for (String s : seqs.split(",")) {
            int seq = Integer.parseInt(s.trim());
            for (boolean ckpt : new boolean[] {false, true}) {
                StageMemory estimate = estimate(config, pairs, seq, ckpt);
                long available = availableBytes();
                String shape = (2 * pairs) + " x " + seq;
                String est = String.format(Locale.ROOT, "%.2f GiB (%.2f + %.2f)", estimate.peak() / GIB,
                        estimate.activations() / GIB, estimate.logits() / GIB);
                if (available >= 0 && estimate.peak() > available - (1L << 30)) {
                    System.out.printf(Locale.ROOT, "%s, checkpointing %s: not run, estimate %.2f GiB > MemAvailable"
                            + " %.2f GiB - 1 GiB%n", shape, ckpt, estimate.peak() / GIB, available / GIB);
                    rows.add("| " + shape + " | " + (ckpt ? "yes" : "no") + " | " + est + " | not run (MemAvailable "
                            + String.format(Locale.ROOT, "%.1f GiB", available / GIB) + ") | | | |");
                    continue;
                }
                if (estimateOnly) {
                    rows.add("| " + shape + " | " + (ckpt ? "yes" : "no") + " | " + est + " | not run | | | |");
                    continue;
                }
                Map<String, Double> r = runChild(layers, pairs, seq, steps, ckpt);
                // what the process holds besides tensors (JVM heap, engine), measured once the weights and the
                // AdamW moments exist: resident size then, less their bytes
                double overhead = r.get("model") - (estimate.weights() + estimate.optimizerState());
                double tensors = r.get("peak") - overhead;
                double part = r.get("fwdbwd") - r.get("rest");
                rows.add(String.format(Locale.ROOT, "| %s | %s | %s | %.2f GiB (%.2f - %.2f) | %.2f | %.2f GiB"
                        + " (estimate %.2f); optimiser step %.2f GiB (estimate %.2f) | %.1f s / %.1f s |", shape,
                        ckpt ? "yes" : "no", est, tensors / GIB, r.get("peak") / GIB, overhead / GIB,
                        estimate.peak() / tensors, part / GIB, (estimate.activations() + estimate.logits()) / GIB,
                        (r.get("optstep") - r.get("rest")) / GIB, estimate.optimizerStep() / GIB, r.get("step1"),
                        r.getOrDefault("step2", Double.NaN)));
            }
        }
        System.out.println();
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "load average after: %s%n", BenchStats.loadAverage());
    }

    /** The estimator's figures for one configuration, from the configuration alone. */
    static StageMemory estimate(DecoderConfig config, int pairs, int seq, boolean ckpt) {
        long n = config.parameterCount();
        ModelShape shape = new ModelShape(config.numHiddenLayers(), config.hiddenSize(), config.intermediateSize(),
                config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), config.vocabSize(), false,
                false, 4 * n, n, (long) config.vocabSize() * config.hiddenSize());
        long reference = 4L * pairs * 2 * (seq - PROMPT);
        return MemoryEstimator.estimate(shape, new StageSettings("dpo", 2 * pairs, seq, CHUNK, ckpt,
                OptimizerKind.SPARSE_ADAMW, 1.0, reference));
    }

    private static long availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, Double> runChild(int layers, int pairs, int seq, int steps, boolean ckpt)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dai.djl.offline=true", "-cp", classPath(),
                CheckpointingMemoryBenchmark.class.getName(), "--child", "--layers", Integer.toString(layers),
                "--pairs", Integer.toString(pairs), "--seq", Integer.toString(seq), "--steps",
                Integer.toString(steps)));
        if (ckpt) {
            command.add("--ckpt");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // A fixed mmap threshold: every allocation of 64 KiB or more is its own mapping, returned to the system when
        // freed, so the resident size follows the live tensors (glibc's default threshold grows up to 32 MiB and
        // keeps freed blocks below it resident, so one step's temporaries would hide the next step's activations).
        builder.environment().put("MALLOC_MMAP_THRESHOLD_", "65536");
        Process process = builder.start();
        Map<String, Double> result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                System.out.println("  [child] " + line);
                if (line.startsWith(RESULT)) {
                    result = new LinkedHashMap<>();
                    for (String kv : line.substring(RESULT.length()).trim().split(" ")) {
                        String[] p = kv.split("=");
                        result.put(p[0], Double.parseDouble(p[1]));
                    }
                }
            }
        }
        int code = process.waitFor();
        if (code != 0 || result == null) {
            throw new IllegalStateException("child for seq " + seq + ", checkpointing " + ckpt + " exited with "
                    + code + (result == null ? " without a result line" : ""));
        }
        return result;
    }

    /** The project's class path: the class loader's URLs under {@code exec:java}, else {@code java.class.path}. */
    private static String classPath() {
        ClassLoader loader = CheckpointingMemoryBenchmark.class.getClassLoader();
        if (loader instanceof URLClassLoader urls) {
            List<String> parts = new ArrayList<>();
            for (URL u : urls.getURLs()) {
                try {
                    parts.add(Path.of(u.toURI()).toString());
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalStateException("class path entry " + u + " is not a file", e);
                }
            }
            return String.join(File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }

    /** One configuration in this JVM; prints the {@value #RESULT} line. */
    private static void child(int layers, int pairs, int seq, int steps, boolean ckpt) {
        try (ai.djl.ndarray.NDManager warm = ai.djl.ndarray.NDManager.newBaseManager()) {
            warm.ones(new ai.djl.ndarray.types.Shape(4)).sum().getFloat(); // loads the engine before the baseline
        }
        long base = ProcessMemory.rssBytes();
        DecoderConfig config = Qwen25ScaleBenchmark.qwen25(layers);
        List<TokenizedPair> data = pairs(pairs, seq, config.vocabSize());
        double[] stepSeconds = new double[steps];
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 42);
                SparseAdamW adamW = new SparseAdamW(AdamWConfig.builder().learningRate(1e-6).weightDecay(0.0)
                        .schedule(LearningRateSchedule.constant()).build(),
                        NeuronMask.all(NeuronMask.shapesOf(model.parameters())), model.parameters())) {
            long withModel = ProcessMemory.rssBytes();
            boolean reset = ProcessMemory.resetPeak();
            long[] last = new long[1];
            TrainingListener timer = new TrainingListener() {
                @Override
                public void onStageStart(StageStart start) {
                    last[0] = System.nanoTime(); // after the reference log-probs
                }

                @Override
                public void onStep(StepMetrics metrics) {
                    long now = System.nanoTime();
                    stepSeconds[(int) metrics.step() - 1] = (now - last[0]) / 1e9;
                    last[0] = now;
                    System.out.printf(Locale.ROOT, "step %d: %.1f s, loss %.4f, RSS %.2f GiB, peak %.2f GiB%n",
                            metrics.step(), stepSeconds[(int) metrics.step() - 1], metrics.loss(),
                            ProcessMemory.rssBytes() / GIB, ProcessMemory.peakRssBytes() / GIB);
                }
            };
            PeakSplitter split = new PeakSplitter(adamW);
            StageTrainer.builder().name("dpo").policy(model)
                    .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(split).pairs(data)
                    .config(LoopConfig.of(pairs, pairs, steps).withMaxSteps(steps).withLogProbChunkSize(CHUNK)
                            .withReferenceBatchSize(pairs))
                    .gradientCheckpointing(ckpt).listener(timer).build().run();
            long peak = Math.max(split.maxPeak, ProcessMemory.peakRssBytes());
            StringBuilder line = new StringBuilder(RESULT);
            line.append(String.format(Locale.ROOT, "base=%d model=%d peak=%d rest=%d fwdbwd=%d optstep=%d reset=%d",
                    base, withModel, peak, split.restBeforeStep, split.forwardBackwardPeak, split.stepPeak,
                    reset ? 1 : 0));
            for (int s = 0; s < steps; s++) {
                line.append(String.format(Locale.ROOT, " step%d=%.3f", s + 1, stepSeconds[s]));
            }
            System.out.println(line);
        }
    }

    /**
     * Delegates to an optimiser and splits the peak resident size at each step: the peak since the last step (the
     * micro-batch's forward and backward pass) is read and the peak reset when the step starts, the step's own peak
     * when it ends; the last step's figures are kept, beside the resident size when it starts (weights, gradients,
     * moments; the activations freed).
     */
    private static final class PeakSplitter implements dev.allo.optim.MaskedOptimizer {
        private final dev.allo.optim.MaskedOptimizer inner;
        long forwardBackwardPeak;
        long stepPeak;
        long restBeforeStep;
        long maxPeak;

        PeakSplitter(dev.allo.optim.MaskedOptimizer inner) {
            this.inner = inner;
        }

        @Override
        public dev.allo.optim.StepResult step(Map<String, ai.djl.ndarray.NDArray> parameters) {
            forwardBackwardPeak = ProcessMemory.peakRssBytes();
            restBeforeStep = ProcessMemory.rssBytes();
            ProcessMemory.resetPeak();
            dev.allo.optim.StepResult result = inner.step(parameters);
            stepPeak = ProcessMemory.peakRssBytes();
            maxPeak = Math.max(maxPeak, Math.max(forwardBackwardPeak, stepPeak));
            ProcessMemory.resetPeak();
            return result;
        }

        @Override
        public NeuronMask mask() {
            return inner.mask();
        }

        @Override
        public long stepCount() {
            return inner.stepCount();
        }

        @Override
        public double learningRate() {
            return inner.learningRate();
        }

        @Override
        public dev.allo.optim.OptimizerState state(ai.djl.ndarray.NDManager manager) {
            return inner.state(manager);
        }

        @Override
        public void restore(dev.allo.optim.OptimizerState state) {
            inner.restore(state);
        }

        @Override
        public long stateBytes() {
            return inner.stateBytes();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** {@code n} pairs of a 16-token prompt and two random responses filling {@code seq} tokens. */
    private static List<TokenizedPair> pairs(int n, int seq, int vocab) {
        SplittableRandom random = new SplittableRandom(11);
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = random.ints(PROMPT, 0, vocab).toArray();
            int[] chosen = random.ints(seq - PROMPT, 0, vocab).toArray();
            int[] rejected = random.ints(seq - PROMPT, 0, vocab).toArray();
            out.add(TokenizedPair.unweighted(i, PreferenceExample.of("p" + i, "c" + i, "r" + i), prompt, chosen,
                    rejected, Optional.empty()));
        }
        return out;
    }
}
