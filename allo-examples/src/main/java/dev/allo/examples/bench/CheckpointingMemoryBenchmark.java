package dev.allo.examples.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.HalfFormat;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.MemoryPlan.StageMemory;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.pipeline.WeightStorage;
import dev.allo.tokenizer.ByteTokenizer;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Peak memory of one preference-training step at Qwen2.5's shapes on the CPU, side by side in one run, per training
 * mode, with and without gradient checkpointing, one child JVM per configuration so that each peak resident size is
 * the configuration's own, beside the library's memory plan of the same stage ({@code Alignment.memoryPlan()}).
 *
 * <p>Modes ({@code --modes}, default {@code full,allo,lora}):
 *
 * <ul>
 *   <li>{@code full}: full-parameter DPO, float32 weights, {@link SparseAdamW} on {@code NeuronMask.all} (plain AdamW);
 *   <li>{@code allo}: ALLO's learning stage: DPO on a random {@code --ratio} mask (default 0.10) with sparse AdamW,
 *       every weight held in BF16 except float32 masters of the selected scalars ({@link DecoderModel#holdInHalf},
 *       what the pipeline does with {@code weightStorage BF16}, or {@code AUTO} for a BF16 checkpoint);
 *   <li>{@code lora}: LoRA-DPO of rank {@code --rank} (default 16, alpha 2r) on q, k, v, o, gate, up and down
 *       projections, the base held in BF16 ({@code lora.baseStorage BF16}); gradient checkpointing is not supported
 *       with LoRA, so only without it.
 * </ul>
 *
 * <p>Model: {@link Qwen25ScaleBenchmark#qwen25(int)} (Qwen2.5-0.5B, 494,032,768 parameters at 24 layers) or, with
 * {@code --model 1.5b}, Qwen2.5-1.5B's shape ({@link #qwen25OnePointFiveB(int)}), random weights. Stage:
 * {@link StageTrainer} with the DPO objective, log-probs in chunks of 128 positions, one micro-batch of {@code pairs}
 * pairs per step ({@code 2 pairs} sequences of {@code seq} tokens: a 16-token prompt and random responses), reference
 * log-probs computed from the policy before the first step, {@code steps} optimiser steps (default 1).
 *
 * <p>Per configuration the child reports: its resident size with the engine loaded and once the model and the
 * optimiser are built; its peak ({@code VmHWM}, reset after the model is built); each step's wall time; the memory
 * plan's estimate, computed from the float32 model with the run's settings before any holding (the plan predicts
 * it). The optimiser is wrapped so that the last step's peak is split at the optimiser step: the forward+backward
 * peak, the resident size when the step starts (weights, gradients, moments; activations freed) and the step's own
 * peak. Derived: the process's overhead (the resident size once the model and the optimiser exist, less the bytes
 * they hold: {@link DecoderModel#storedBytes()}, the adapters, the optimiser's state); the measured tensor peak (peak
 * less overhead), to compare with the estimate's peak; the <i>activation part</i>, the forward+backward peak above
 * the resident size when the step starts, to compare with the estimate's activations + logits; and the optimiser
 * step's temporaries, its peak above that resident size. A configuration whose estimate exceeds the machine's
 * {@code MemAvailable} (plus the model's float32 weights, already built) less 1 GiB is not run; its estimate is
 * reported instead.
 *
 * <p>The children run with {@code MALLOC_MMAP_THRESHOLD_=65536}, so that freed tensors leave the resident set
 * and each peak is that of live memory, and with {@code -XX:MaxDirectMemorySize=64g}: arrays the engine creates from
 * Java data (the 16-bit weights, the masters' indices) keep their direct buffers, which by default may not exceed
 * the heap's maximum.
 *
 * <p>Arguments (all optional): {@code --model 0.5b|1.5b}, {@code --layers N} (24; 28 for 1.5b), {@code --pairs N}
 * (2: 4 sequences), {@code --seq a,b} (512), {@code --steps N} (1), {@code --modes a,b} (full,allo,lora),
 * {@code --ckpt no,yes} (both), {@code --ratio r} (0.10), {@code --rank r} (16), {@code --estimate} (print the
 * estimates only, train nothing). Run:
 *
 * <pre>
 * ./mvnw -o -q -B -pl allo-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.allo.examples.bench.CheckpointingMemoryBenchmark -Dexec.args="--seq 512"
 * </pre>
 */
public final class CheckpointingMemoryBenchmark {
    private static final double GIB = 1024.0 * 1024 * 1024;
    private static final int PROMPT = 16;
    private static final int CHUNK = 128;
    private static final String RESULT = "RESULT ";
    private static final List<String> PROJECTIONS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

    private CheckpointingMemoryBenchmark() {}

    /** One configuration: a mode, a length and whether blocks are checkpointed. */
    private record Run(String mode, int seq, boolean ckpt) {}

    /**
     * Runs every configuration in a child JVM (or, with {@code --child}, one configuration in this JVM).
     *
     * @param args see the class documentation
     * @throws Exception if a child cannot be started or read
     */
    public static void main(String[] args) throws Exception {
        boolean large = "1.5b".equals(BenchArgs.option(args, "--model"));
        int layers = BenchArgs.intOption(args, "--layers", large ? 28 : 24);
        int pairs = BenchArgs.intOption(args, "--pairs", 2);
        int steps = BenchArgs.intOption(args, "--steps", 1);
        double ratio = Double.parseDouble(Optional.ofNullable(BenchArgs.option(args, "--ratio")).orElse("0.10"));
        int rank = BenchArgs.intOption(args, "--rank", 16);
        DecoderConfig config = large ? qwen25OnePointFiveB(layers) : Qwen25ScaleBenchmark.qwen25(layers);
        if (BenchArgs.flag(args, "--child")) {
            child(config, new Run(BenchArgs.option(args, "--modes"), BenchArgs.intOption(args, "--seq", 512),
                    BenchArgs.flag(args, "--yes")), pairs, steps, ratio, rank, BenchArgs.flag(args, "--estimate"));
            return;
        }
        String seqs = Optional.ofNullable(BenchArgs.option(args, "--seq")).orElse("512");
        String modes = Optional.ofNullable(BenchArgs.option(args, "--modes")).orElse("full,allo,lora");
        String ckpts = Optional.ofNullable(BenchArgs.option(args, "--ckpt")).orElse("no,yes");
        System.out.printf(Locale.ROOT, "model qwen2 layers=%d hidden=%d heads=%d/%d intermediate=%d vocab=%d:"
                + " %,d parameters; DPO, %d pairs (%d sequences) per step, %d steps, log-prob chunks of %d, ALLO mask"
                + " %.2f, LoRA rank %d; load average %s; %s%n", layers, config.hiddenSize(),
                config.numAttentionHeads(), config.numKeyValueHeads(), config.intermediateSize(), config.vocabSize(),
                config.parameterCount(), pairs, 2 * pairs, steps, CHUNK, ratio, rank, BenchStats.loadAverage(),
                memAvailable());
        List<String> rows = new ArrayList<>();
        rows.add("| mode | sequences x tokens | checkpointing | plan: peak (weights + gradients + optimiser state;"
                + " activations + logits; optimiser step) | measured tensor peak (peak RSS - overhead) | plan /"
                + " measured | activation part (plan) | optimiser step (plan) | step times | load before |");
        rows.add("|---|---|---|---|---|---|---|---|---|---|");
        for (String mode : modes.split(",")) {
            for (String s : seqs.split(",")) {
                for (String c : ckpts.split(",")) {
                    Run run = new Run(mode.trim(), Integer.parseInt(s.trim()), "yes".equals(c.trim()));
                    String label = "| " + run.mode() + " | " + (2 * pairs) + " x " + run.seq() + " | " + c.trim()
                            + " | ";
                    if (run.ckpt() && run.mode().equals("lora")) {
                        rows.add(label + "not supported with LoRA | | | | | | |");
                        continue;
                    }
                    String load = BenchStats.loadAverage();
                    System.out.printf(Locale.ROOT, "%s: load average %s, %s%n", run, load, memAvailable());
                    Map<String, Double> r = runChild(args, run, BenchArgs.flag(args, "--estimate"));
                    rows.add(label + row(r, load));
                }
            }
        }
        System.out.println();
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "load average after: %s%n", BenchStats.loadAverage());
    }

    /** The table cells of one child's result, after the mode, shape and checkpointing. */
    private static String row(Map<String, Double> r, String load) {
        String plan = String.format(Locale.ROOT, "%.2f GiB (%.2f + %.2f + %.2f; %.2f + %.2f; %.2f)",
                r.get("estPeak") / GIB, r.get("estWeights") / GIB, r.get("estGradients") / GIB,
                r.get("estState") / GIB, r.get("estActivations") / GIB, r.get("estLogits") / GIB,
                r.get("estStep") / GIB);
        if (!r.containsKey("peak")) {
            return plan + " | not run" + (r.get("fits") == 0 ? String.format(Locale.ROOT, " (MemAvailable %.1f GiB)",
                    r.get("available") / GIB) : "") + " | | | | | " + load + " |";
        }
        double overhead = r.get("model") - r.get("held");
        double tensors = r.get("peak") - overhead;
        StringBuilder times = new StringBuilder();
        for (int s = 1; r.containsKey("step" + s); s++) {
            times.append(s == 1 ? "" : " / ").append(String.format(Locale.ROOT, "%.1f s", r.get("step" + s)));
        }
        return String.format(Locale.ROOT, "%s | %.2f GiB (%.2f - %.2f) | %.2f | %.2f GiB (%.2f) | %.2f GiB (%.2f) |"
                + " %s | %s |", plan, tensors / GIB, r.get("peak") / GIB, overhead / GIB, r.get("estPeak") / tensors,
                (r.get("fwdbwd") - r.get("rest")) / GIB, (r.get("estActivations") + r.get("estLogits")) / GIB,
                (r.get("optstep") - r.get("rest")) / GIB, r.get("estStep") / GIB, times, load);
    }

    /**
     * Qwen2.5-1.5B's shape: 28 layers, hidden 1536, intermediate 8960, 12 query and 2 key-value heads of 128,
     * vocabulary 151,936, tied embeddings, q/k/v biases (1,543,714,304 parameters at 28 layers).
     *
     * @param layers the number of decoder layers
     * @return the configuration
     */
    static DecoderConfig qwen25OnePointFiveB(int layers) {
        return DecoderConfig.builder().modelType("qwen2").architectures(List.of("Qwen2ForCausalLM"))
                .hiddenSize(1536).intermediateSize(8960).numHiddenLayers(layers).numAttentionHeads(12)
                .numKeyValueHeads(2).vocabSize(151_936).tieWordEmbeddings(true).maxPositionEmbeddings(32_768)
                .ropeTheta(1_000_000.0).rmsNormEps(1e-6).bosTokenId(151_643).eosTokenIds(List.of(151_643)).build();
    }

    private static String memAvailable() {
        long bytes = availableBytes();
        return bytes < 0 ? "MemAvailable unknown" : String.format(Locale.ROOT, "MemAvailable %.1f GiB", bytes / GIB);
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

    private static Map<String, Double> runChild(String[] args, Run run, boolean estimateOnly)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx2g", "-XX:MaxDirectMemorySize=64g", "-Dai.djl.offline=true", "-cp", classPath(),
                CheckpointingMemoryBenchmark.class.getName(), "--child", "--modes", run.mode(), "--seq",
                Integer.toString(run.seq())));
        for (String option : List.of("--model", "--layers", "--pairs", "--steps", "--ratio", "--rank")) {
            String value = BenchArgs.option(args, option);
            if (value != null) {
                command.addAll(List.of(option, value));
            }
        }
        if (run.ckpt()) {
            command.add("--yes");
        }
        if (estimateOnly) {
            command.add("--estimate");
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
            throw new IllegalStateException("child for " + run + " exited with " + code
                    + (result == null ? " without a result line" : ""));
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

    /**
     * The memory plan of the configuration's stage, from the float32 model before any holding: a DPO stage of the
     * mode (mask ALL; a random mask of {@code ratio} with BF16 weight storage; LoRA with a BF16 base) over data of
     * the configuration's lengths (byte-level text: one token per character, BOS + 15 prompt characters, responses
     * of {@code seq - 16} tokens with EOS).
     */
    private static StageMemory plan(DecoderModel model, Run run, int pairs, int steps, double ratio, int rank) {
        TrainingConfig training = TrainingConfig.defaults().withBatchSize(pairs, pairs).withMaxSteps(steps)
                .withGradientCheckpointing(run.ckpt());
        StageConfig stage = StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training);
        WeightStorage storage = WeightStorage.FLOAT32;
        switch (run.mode()) {
            case "full" -> stage = stage.withMask(MaskRule.all());
            case "allo" -> {
                stage = stage.withMask(MaskRule.of(MaskRule.Kind.RANDOM, ratio));
                storage = WeightStorage.BF16;
            }
            case "lora" -> stage = stage.withLora(new LoraSettings(rank, 2.0 * rank, 0.0, PROJECTIONS,
                    LoraSettings.BaseStorage.BF16));
            default -> throw new IllegalArgumentException("--modes: expected full, allo or lora, got " + run.mode());
        }
        List<PreferenceExample> data = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            String response = String.valueOf((char) ('a' + i)).repeat(run.seq() - PROMPT - 1);
            data.add(PreferenceExample.of("p".repeat(PROMPT - 1), response, response.toUpperCase(Locale.ROOT)));
        }
        return Allo.builder().model(model).tokenizer(ByteTokenizer.create()).data(data).maxLength(run.seq(), PROMPT)
                .logProbChunk(CHUNK).weightStorage(storage).stage(stage)
                .outputDirectory(Path.of(System.getProperty("java.io.tmpdir"), "memory-plan-unused"))
                .build().memoryPlan().stages().get(0);
    }

    /** A random mask selecting each scalar with probability {@code ratio}. */
    private static NeuronMask randomMask(DecoderModel model, double ratio) {
        SplittableRandom random = new SplittableRandom(7);
        NeuronMask.Builder mask = NeuronMask.builder();
        for (Map.Entry<String, Shape> e : model.config().parameterShapes().entrySet()) {
            int n = Math.toIntExact(e.getValue().size());
            int[] picked = new int[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (random.nextDouble() < ratio) {
                    picked[k++] = i;
                }
            }
            mask.add(e.getKey(), e.getValue(), Arrays.copyOf(picked, k));
        }
        return mask.build();
    }

    /** One configuration in this JVM; prints the {@value #RESULT} line. */
    private static void child(DecoderConfig config, Run run, int pairs, int steps, double ratio, int rank,
            boolean estimateOnly) {
        try (ai.djl.ndarray.NDManager warm = ai.djl.ndarray.NDManager.newBaseManager()) {
            warm.ones(new ai.djl.ndarray.types.Shape(4)).sum().getFloat(); // loads the engine before the baseline
        }
        long base = ProcessMemory.rssBytes();
        List<TokenizedPair> data = pairs(pairs, run.seq(), config.vocabSize());
        double[] stepSeconds = new double[steps];
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 42)) {
            StageMemory plan = plan(model, run, pairs, steps, ratio, rank);
            StringBuilder line = new StringBuilder(RESULT);
            line.append(String.format(Locale.ROOT, "estPeak=%d estWeights=%d estGradients=%d estState=%d"
                    + " estActivations=%d estLogits=%d estStep=%d", plan.peak(), plan.weights(), plan.gradients(),
                    plan.optimizerState(), plan.activations(), plan.logits(), plan.optimizerStep()));
            long available = availableBytes(); // the model's float32 weights, already resident, are counted back
            boolean fits = available < 0 || plan.peak() <= available + model.storedBytes() - (1L << 30);
            if (estimateOnly || !fits) {
                System.out.println(line.append(String.format(Locale.ROOT, " fits=%d available=%d", fits ? 1 : 0,
                        available)));
                return;
            }
            LoraModel lora = null;
            NeuronMask trained = NeuronMask.all(NeuronMask.shapesOf(model.parameters()));
            if (run.mode().equals("allo")) {
                NeuronMask mask = randomMask(model, ratio);
                model.holdInHalf(mask, HalfFormat.BF16);
                trained = model.onParameters(mask);
            } else if (run.mode().equals("lora")) {
                model.storeInHalf(new LinkedHashSet<>(model.weightNames()), HalfFormat.BF16);
                lora = LoraModel.create(model, LoraConfig.of(rank, 2.0 * rank, PROJECTIONS), 1);
                trained = NeuronMask.all(NeuronMask.shapesOf(lora.parameters()));
            }
            CausalLm policy = lora == null ? model : lora;
            try (LoraModel adapters = lora;
                    SparseAdamW adamW = new SparseAdamW(AdamWConfig.builder().learningRate(1e-6).weightDecay(0.0)
                            .schedule(LearningRateSchedule.constant()).build(), trained, policy.parameters())) {
                long held = model.storedBytes() + adamW.stateBytes()
                        + (adapters == null ? 0 : 4 * trained.size());
                long withModel = ProcessMemory.rssBytes();
                ProcessMemory.resetPeak();
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
                StageTrainer.builder().name("dpo").policy(policy)
                        .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(split)
                        .pairs(data).config(LoopConfig.of(pairs, pairs, steps).withMaxSteps(steps)
                                .withLogProbChunkSize(CHUNK).withReferenceBatchSize(pairs))
                        .gradientCheckpointing(run.ckpt()).listener(timer).build().run();
                long peak = Math.max(split.maxPeak, ProcessMemory.peakRssBytes());
                line.append(String.format(Locale.ROOT, " base=%d model=%d held=%d peak=%d rest=%d fwdbwd=%d"
                        + " optstep=%d", base, withModel, held, peak, split.restBeforeStep, split.forwardBackwardPeak,
                        split.stepPeak));
                for (int s = 0; s < steps; s++) {
                    line.append(String.format(Locale.ROOT, " step%d=%.3f", s + 1, stepSeconds[s]));
                }
                System.out.println(line);
            }
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
