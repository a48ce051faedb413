package dev.allo.impl.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.util.cuda.CudaUtils;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.lora.LoraNames;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.UpdatedBaseModel;
import dev.allo.impl.train.MemoryEstimator;
import dev.allo.impl.train.MemoryEstimator.ModelShape;
import dev.allo.impl.train.MemoryEstimator.StageSettings;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.AlignmentPlan;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.pipeline.MemoryPlan.StageMemory;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.pipeline.TrainingConfig.OptimizerKind;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The {@link MemoryPlan} of a run: one {@link MemoryEstimator} estimate per training stage (the locate warm-up, the
 * rewriter's training and every stage), the memory the device offers, and, when a stage does not fit, the single
 * changes that would make it fit (gradient checkpointing, one pair per micro-batch, half the maximum length, chunked
 * log-probs, a 10% mask with sparse AdamW, LoRA) and all of them together.
 *
 * <p>When the run holds the weights no stage updates in 16 bits ({@link WeightHolding}), each stage that trains the
 * model's weights is estimated on {@link ModelShape#heldInHalf}, with float32 masters for the stages' summed mask
 * ratios and its own ratio taken relative to them.
 *
 * <p>Sequences are assumed as long as the longest encoded one (prompt and the longer response, at most
 * {@code maxLength}): a micro-batch pads to its longest row.
 *
 * <p>Available memory: on a CPU, {@code MemAvailable} of {@code /proc/meminfo} plus the weights already loaded (they
 * are resident and counted in every stage's peak); on a CUDA GPU, DJL's free device memory plus the weights already
 * on it; unknown elsewhere (then every plan fits).
 */
final class MemoryPlanner {
    /** LoRA rank assumed by the advice. */
    static final int ADVICE_LORA_RANK = 16;
    /** Log-prob chunk assumed by the advice. */
    static final int ADVICE_CHUNK = 128;
    /** Mask ratio assumed by the advice (Table 5's learning-stage ratio). */
    static final double ADVICE_MASK_RATIO = 0.10;

    private final AlignmentPlan plan;
    private final AlignmentConfig config;

    MemoryPlanner(AlignmentPlan plan) {
        this.plan = plan;
        this.config = plan.config();
    }

    /**
     * The plan.
     *
     * @param pairs the encoded training pairs (for the reference log-probs' size)
     * @param rewriterExamples the encoded rewrite examples, empty when no rewriter is trained
     * @return the plan; without stages when the model is not a decoder of this library
     */
    MemoryPlan plan(List<TokenizedPair> pairs, List<TokenizedPair> rewriterExamples) {
        ModelShape shape = shape(plan.model());
        long available = available(plan.model().device(), shape == null ? 0 : shape.weightBytes());
        if (shape == null) {
            return new MemoryPlan(plan.model().device().toString(), available, List.of(), 0, List.of());
        }
        long referenceBytes = referenceBytes(pairs);
        List<StageSettings> settings = new ArrayList<>();
        LocateConfig locate = config.locate();
        if (locate != null && locate.method() == LocateConfig.Method.WEIGHT_DELTA && plan.estimator().isEmpty()) {
            // the warm-up trains a copy: the starting weights stay beside it
            settings.add(settings("locate", locate.warmUpObjective(), locate.warmUp(), 1.0, length(pairs),
                    referenceBytes, shape.weightBytes()));
        }
        if (!rewriterExamples.isEmpty()) {
            // the rewriter is a copy of the policy trained beside it
            settings.add(settings("rewriter", new ObjectiveConfig.Sft(),
                    plan.rewriterTraining().orElseThrow().training(), 1.0, length(rewriterExamples), 0,
                    shape.weightBytes()));
        }
        List<ModelShape> shapes = new ArrayList<>();
        settings.forEach(s -> shapes.add(shape));
        double held = heldRatio(plan.model());
        for (StageConfig stage : config.stages()) {
            boolean lora = stage.lora() != null && plan.model() instanceof DecoderModel;
            boolean holds = held > 0 && stage.lora() == null;
            double ratio = lora ? 1.0 : ratio(stage.mask());
            settings.add(settings(stage.name(), stage.objective(), stage.training(),
                    holds ? Math.min(1, ratio / held) : ratio, length(pairs), referenceBytes, 0));
            shapes.add(lora ? loraStageShape((DecoderModel) plan.model(), stage.lora())
                    : holds ? shape.heldInHalf(((DecoderModel) plan.model()).config(), held) : shape);
        }
        List<StageMemory> stages = new ArrayList<>();
        for (int i = 0; i < settings.size(); i++) {
            stages.add(MemoryEstimator.estimate(shapes.get(i), settings.get(i)));
        }
        long cache = referenceBytes * config.stages().stream()
                .filter(s -> PreferenceObjective.of(s.objective()).requiresReference()).count();
        MemoryPlan draft = new MemoryPlan(plan.model().device().toString(), available, stages, cache, List.of());
        if (draft.fits()) {
            return draft;
        }
        return new MemoryPlan(draft.device(), available, stages, cache, advice(shapes, settings, stages, available));
    }

    /**
     * The fraction of the model that keeps float32 masters when the run holds the rest in 16 bits
     * ({@link WeightHolding}): the stages' mask ratios summed (their union at most), 0 when the run holds nothing or
     * the sum reaches 1.
     */
    private double heldRatio(CausalLm model) {
        if (!WeightHolding.of(config, model).active()) {
            return 0;
        }
        double sum = 0;
        for (StageConfig stage : config.stages()) {
            if (stage.lora() == null) {
                sum += ratio(stage.mask());
            }
        }
        return sum < 1 ? sum : 0;
    }

    /**
     * A stage's settings; its reference share is the reference log-probs when its objective reads them, plus a model
     * copy kept beside the trained one ({@code keptCopy} bytes: the locate warm-up's starting weights, or the policy
     * beside the rewriter).
     */
    private StageSettings settings(String name, ObjectiveConfig objective, TrainingConfig training, double ratio,
            int length, long referenceLogProbs, long keptCopy) {
        PreferenceObjective o = PreferenceObjective.of(objective);
        int sides = (o.requiresChosen() ? 1 : 0) + (o.requiresRejected() ? 1 : 0);
        return new StageSettings(name, training.microBatchSize() * Math.max(1, sides), length,
                config.logProbChunk(), training.gradientCheckpointing(), training.optimizer(), ratio,
                (o.requiresReference() ? referenceLogProbs : 0) + keptCopy);
    }

    /** The fraction of the model a stage's mask selects: 1 for ALL, a mask file's own, else the rule's ratio. */
    static double ratio(MaskRule rule) {
        return switch (rule.kind()) {
            case ALL -> 1.0;
            case FILE -> Math.max(Double.MIN_VALUE, NeuronMask.load(Path.of(rule.file())).ratio());
            default -> rule.ratio();
        };
    }

    /**
     * The padded length of a micro-batch at worst: the longest encoded sequence (prompt and the longer response),
     * at most the run's {@code maxLength} (the collator pads to the longest row of a batch, not to the limit).
     */
    private int length(List<TokenizedPair> pairs) {
        int longest = 1;
        for (TokenizedPair p : pairs) {
            longest = Math.max(longest, Math.max(p.chosenLength(), p.rejectedLength()));
        }
        return Math.min(longest, config.maxLength());
    }

    /**
     * The shape of a LoRA stage's policy over the pipeline's decoder ({@link LoraStage}): the base as it will be held
     * ({@link LoraSettings#baseStorage()}: as it is, or every float32 weight in 16 bits), the adapters
     * {@code r (in + out)} per adapted matrix as the trainable scalars, and the float32 copies each pass builds of
     * every adapted matrix ({@code B A}, {@code dW}, a widened {@code W0}, {@code W0 + dW}: Eq. M6); a 16-bit base's
     * other weights are widened where used (Eq. M5).
     */
    static ModelShape loraStageShape(DecoderModel model, LoraSettings lora) {
        return ModelShape.of(model).withLora(model.config(), new HashSet<>(LoraModel.targetNames(model,
                LoraStage.config(lora))), lora.rank(), lora.baseStorage() != LoraSettings.BaseStorage.FLOAT32,
                model.halfWeights().keySet());
    }

    /**
     * The decoder's shape, or null for a model of another implementation. For a LoRA model the weights are the
     * frozen base, the adapters, and the float32 matrices every pass builds for each adapted matrix and keeps until
     * the step ends ({@code B A}, {@code dW}, the widened {@code W0} of a 16-bit base, {@code W0 + dW}: Eq. M6 of
     * {@link MemoryEstimator}).
     */
    static ModelShape shape(CausalLm model) {
        if (model instanceof DecoderModel decoder) {
            return ModelShape.of(decoder);
        }
        if (model instanceof UpdatedBaseModel updated) {
            DecoderModel base = updated.base();
            long adapters = 0;
            for (NDArray a : updated.parameters().values()) {
                adapters += a.size();
            }
            long effective = 0; // B A, dW, [widened W0,] W0 + dW per adapted matrix (Eq. M6)
            long heldEffective = 0; // 16-bit adapted matrices: widened once per pass, counted in effective
            for (String name : base.weightNames()) {
                if (updated.parameters().containsKey(LoraNames.loraA(name))) {
                    long n = base.config().parameterShapes().get(name).size();
                    boolean held = base.halfWeights().containsKey(name);
                    effective += held ? 4 * n : 3 * n;
                    heldEffective += held ? n : 0;
                }
            }
            ModelShape b = ModelShape.of(base);
            ModelShape trainable = ModelShape.of(base.config(), updated.parameters(), updated.parameters());
            return new ModelShape(b.layers(), b.hidden(), b.intermediate(), b.heads(), b.kvHeads(), b.headDim(),
                    b.vocab(), b.qkNorm(), b.gemma(), base.storedBytes() + 4 * adapters + 4 * effective, adapters,
                    trainable.largestTensor(), b.heldBlockScalars() - heldEffective, b.heldOuterScalars());
        }
        return null;
    }

    /** float32 reference log-probs of every response token of both sides, as {@code ReferenceLogProbs} holds them. */
    private static long referenceBytes(List<TokenizedPair> pairs) {
        long tokens = 0;
        for (TokenizedPair p : pairs) {
            tokens += p.chosenIds().length + p.rejectedIds().length;
        }
        return 4 * tokens;
    }

    /** The single changes that would make the largest stage fit, each with its peak, then all of them together. */
    private List<String> advice(List<ModelShape> shapes, List<StageSettings> settings, List<StageMemory> stages,
            long available) {
        int worst = 0;
        for (int i = 1; i < stages.size(); i++) {
            if (stages.get(i).peak() > stages.get(worst).peak()) {
                worst = i;
            }
        }
        ModelShape shape = shapes.get(worst);
        StageSettings s = settings.get(worst);
        Map<String, UnaryOperator<StageSettings>> changes = new LinkedHashMap<>();
        int sides = Math.max(1, s.sequencesPerPass() / Math.max(1, microBatch(s.name())));
        if (!s.checkpointing()) {
            changes.put("gradientCheckpointing (TrainingConfig.withGradientCheckpointing(true))",
                    x -> with(x, x.sequencesPerPass(), x.length(), x.logProbChunk(), true, x.optimizer(),
                            x.maskRatio()));
        }
        if (s.sequencesPerPass() > sides) {
            changes.put("microBatchSize 1", x -> with(x, sides, x.length(), x.logProbChunk(), x.checkpointing(),
                    x.optimizer(), x.maskRatio()));
        }
        if (s.length() >= 4) {
            changes.put("maxLength " + s.length() / 2, x -> with(x, x.sequencesPerPass(), x.length() / 2,
                    x.logProbChunk(), x.checkpointing(), x.optimizer(), x.maskRatio()));
        }
        if (s.logProbChunk() == 0 || s.logProbChunk() > ADVICE_CHUNK) {
            changes.put("logProbChunk " + ADVICE_CHUNK, x -> with(x, x.sequencesPerPass(), x.length(),
                    ADVICE_CHUNK, x.checkpointing(), x.optimizer(), x.maskRatio()));
        }
        if (s.maskRatio() > ADVICE_MASK_RATIO || s.optimizer() != OptimizerKind.SPARSE_ADAMW) {
            changes.put(String.format(Locale.ROOT, "a %.0f%% mask with SPARSE_ADAMW (ALLO)", 100 * ADVICE_MASK_RATIO),
                    x -> with(x, x.sequencesPerPass(), x.length(), x.logProbChunk(), x.checkpointing(),
                            OptimizerKind.SPARSE_ADAMW, Math.min(x.maskRatio(), ADVICE_MASK_RATIO)));
        }
        List<String> out = new ArrayList<>();
        StageSettings all = s;
        for (Map.Entry<String, UnaryOperator<StageSettings>> e : changes.entrySet()) {
            long peak = MemoryEstimator.estimate(shape, e.getValue().apply(s)).peak();
            out.add(line(e.getKey(), peak, available));
            all = e.getValue().apply(all);
        }
        ModelShape lora = loraShape(shape);
        long loraPeak = MemoryEstimator.estimate(lora, with(s, s.sequencesPerPass(), s.length(), s.logProbChunk(),
                false, OptimizerKind.SPARSE_ADAMW, 1.0)).peak();
        out.add(line("LoRA rank " + ADVICE_LORA_RANK + " on every linear layer (no checkpointing)", loraPeak,
                available));
        if (changes.size() > 1) {
            out.add(line("all of " + String.join(", ", changes.keySet()),
                    MemoryEstimator.estimate(shape, all).peak(), available));
        }
        return out;
    }

    private int microBatch(String stage) {
        for (StageConfig c : config.stages()) {
            if (c.name().equals(stage)) {
                return c.training().microBatchSize();
            }
        }
        if (stage.equals("locate")) {
            return config.locate().warmUp().microBatchSize();
        }
        return plan.rewriterTraining().map(r -> r.training().microBatchSize()).orElse(1);
    }

    private static String line(String change, long peak, long available) {
        return change + ": peak " + MemoryPlan.gib(peak) + (peak <= available ? " (fits)" : " (does not fit)");
    }

    private static StageSettings with(StageSettings s, int sequences, int length, int chunk, boolean checkpointing,
            OptimizerKind optimizer, double ratio) {
        return new StageSettings(s.name(), sequences, length, chunk, checkpointing, optimizer, ratio,
                s.referenceBytes());
    }

    /**
     * The model with rank-{@value #ADVICE_LORA_RANK} adapters on q, k, v, o, gate, up and down of every block:
     * {@code r (in + out)} trainable scalars per matrix, the base weights frozen, and each adapted matrix's
     * effective weights {@code W0 + dW} materialised by the pass.
     */
    static ModelShape loraShape(ModelShape m) {
        long q = (long) m.heads() * m.headDim();
        long kv = (long) m.kvHeads() * m.headDim();
        long h = m.hidden();
        long i = m.intermediate();
        long perLayer = ADVICE_LORA_RANK * ((h + q) + 2 * (h + kv) + (q + h) + 2 * (h + i) + (i + h));
        long adapters = perLayer * m.layers();
        long effective = m.layers() * (h * q + 2 * h * kv + q * h + 3 * h * i); // W0 + dW of every adapted matrix
        return new ModelShape(m.layers(), m.hidden(), m.intermediate(), m.heads(), m.kvHeads(), m.headDim(),
                m.vocab(), m.qkNorm(), m.gemma(), m.weightBytes() + 4 * adapters + 4 * effective, adapters,
                ADVICE_LORA_RANK * (i + h));
    }

    /** See the class comment; -1 when unknown. */
    static long available(Device device, long weightBytes) {
        if (device.isGpu()) {
            try {
                MemoryUsage usage = CudaUtils.getGpuMemory(device);
                return usage.getMax() - usage.getUsed() + weightBytes;
            } catch (RuntimeException | LinkageError e) {
                return -1;
            }
        }
        long memAvailable = memAvailable(Path.of("/proc/meminfo"));
        return memAvailable < 0 ? -1 : memAvailable + weightBytes;
    }

    /** {@code MemAvailable} of a {@code /proc/meminfo} file in bytes, -1 when absent or unreadable. */
    static long memAvailable(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
