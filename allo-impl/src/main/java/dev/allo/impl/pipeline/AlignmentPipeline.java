package dev.allo.impl.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.data.BatchConfig;
import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.RewriteQuadruple;
import dev.allo.data.SupervisedExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.data.ScoreCache;
import dev.allo.impl.importance.AccumulatedGradientImportanceEstimator;
import dev.allo.impl.importance.RandomImportanceEstimator;
import dev.allo.impl.importance.WeightDeltaImportanceEstimator;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.CheckpointedDecoder;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.optim.DenseMaskedAdamW;
import dev.allo.impl.optim.MaskedSgd;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.report.CsvMetricsLog;
import dev.allo.impl.report.DataSummary;
import dev.allo.impl.report.MetricsSink;
import dev.allo.impl.report.RunReport;
import dev.allo.impl.report.TensorBoardEventLog;
import dev.allo.impl.train.ReferenceCache;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.impl.train.StageCheckpoint;
import dev.allo.impl.train.StageTrainer;
import dev.allo.impl.train.TrainingImportanceContext;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.MaskedOptimizer;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.AlignmentPlan;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.pipeline.ReportTarget;
import dev.allo.pipeline.ReportingConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.scorer.RewriteScorerConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.train.LoopConfig;
import dev.allo.train.StageResult;
import dev.allo.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link AlignmentPlan}: encode the data, locate key neurons (Sec. 4.1) when asked, select every stage's
 * mask, hold the scalars no stage trains in 16 bits when {@link AlignmentConfig#weightStorage()} asks
 * ({@link WeightHolding}), then every stage in order. A stage weights the rejected tokens (Eq. 5 for the forgetting
 * stage), computes the reference log-probs of its own starting model once (cached on disk under a fingerprint), and
 * trains with {@link StageTrainer}.
 *
 * <p>Output directory layout:
 *
 * <pre>
 * alignment-config.json         the exact configuration (AlignmentConfigJson)
 * importance.scores             the locate stage's scores, when it ran
 * locate/checkpoint/            the warm-up's latest checkpoint, until importance.scores is written
 * rewriter/                     the rewriter trained by SFT (trainRewriter), its metrics and model
 * cache/                        reference log-probs and token scores, keyed by fingerprints (also read from
 *                               AlignmentPlan#precomputedCaches when given)
 * &lt;stage&gt;/mask.bin             the stage's mask (NeuronMask file)
 * &lt;stage&gt;/metrics.jsonl        one JSON object per optimiser step
 * &lt;stage&gt;/eval.jsonl           held-out and evaluator metrics, when evaluation is on
 * &lt;stage&gt;/metrics.csv          one row per logging step, when report_to has csv
 * &lt;stage&gt;/checkpoint/          the latest checkpoint (weights, optimiser, data position, reference)
 * &lt;stage&gt;/checkpoint-&lt;step&gt;/   the model every saveSteps steps (Hugging Face layout), when saveSteps &gt; 0
 * &lt;stage&gt;/loss.png             the loss curve
 * &lt;stage&gt;/adapter/             a LoRA stage's adapters (PEFT layout), merged into the model after the stage
 * &lt;stage&gt;/model/               the model after the stage (Hugging Face layout)
 * tensorboard/&lt;stage&gt;/          TensorBoard event file, when report_to has tensorboard
 * model/                        the aligned model
 * report.html                   the run's report (configuration, data, charts, masks, final metrics)
 * </pre>
 */
public final class AlignmentPipeline {
    /** The system property that lets a run start although its memory plan does not fit. */
    public static final String SKIP_MEMORY_CHECK = "allo.memory.skipCheck";
    private static final Logger LOG = LoggerFactory.getLogger(AlignmentPipeline.class);
    /** The run's HTML report. */
    static final String REPORT = "report.html";

    private final AlignmentPlan plan;
    private final AlignmentConfig config;
    private final Path out;
    private final int padId;
    private final TrainingListener userListeners;
    private final List<DataSummary> dataSummaries = new ArrayList<>();
    private CausalLm rewriter;

    /**
     * Prepares a run.
     *
     * @param plan the validated plan
     */
    public AlignmentPipeline(AlignmentPlan plan) {
        this.plan = plan;
        this.config = plan.config();
        this.out = plan.outputDirectory().toAbsolutePath();
        this.padId = PreferenceCollator.padIdFor(plan.tokenizer());
        this.userListeners = TrainingListeners.all(plan.listeners());
    }

    /**
     * Runs every stage.
     *
     * @return what the run produced
     */
    public AlignmentResult run() {
        RunDirectory directory = new RunDirectory(out, plan.resume(), plan.overwrite());
        // Everything that can be checked is checked before the first write, so a failing run leaves the directory
        // (and any earlier run's results in it) as it was.
        directory.check(config);
        List<TokenizedPair> pairs = encode(plan.examples(), "data");
        List<TokenizedPair> heldOut = plan.evaluation().heldOut().isEmpty() ? List.of()
                : encode(plan.evaluation().heldOut(), "heldOut");
        boolean trainsRewriter = needsRewriter() && plan.rewriter().isEmpty();
        List<TokenizedPair> rewrites = trainsRewriter ? encodeRewrites() : List.of();
        checkSteps(pairs.size(), rewrites.size());
        checkLoraStages();
        checkMaskFiles(plan.model());
        checkCheckpointing(plan.model());
        WeightHolding holding = WeightHolding.of(config, plan.model());
        checkMemory(new MemoryPlanner(plan).plan(pairs, rewrites));
        if (plan.resume()) {
            LOG.info("Resuming the run in {}", out);
        }
        directory.prepare(config);
        CausalLm model = plan.model();
        CausalLm trainedRewriter = trainsRewriter ? trainRewriter(model, rewrites) : null;
        rewriter = plan.rewriter().orElse(trainedRewriter);
        Map<String, NeuronMask> masks = new LinkedHashMap<>();
        Map<String, StageResult> results = new LinkedHashMap<>();
        ImportanceScores scores = config.locate() == null ? null : locate(model, pairs);
        try {
            // Every mask first (none depends on an earlier stage's training), so that the scalars no stage trains
            // can be held in 16 bits for the whole run.
            Map<String, NeuronMask> selected = new LinkedHashMap<>();
            for (StageConfig stage : config.stages()) {
                selected.put(stage.name(), mask(stage, model, scores));
            }
            holding.apply(model, config.stages(), selected);
            for (StageConfig stage : config.stages()) {
                NeuronMask mask = selected.get(stage.name());
                masks.put(stage.name(), mask);
                results.put(stage.name(), runStage(stage, model, mask, holding, pairs, heldOut));
                writeReport(masks, pairs.size());
            }
        } finally {
            if (scores != null) {
                scores.close();
            }
            if (trainedRewriter != null) {
                trainedRewriter.close();
            }
        }
        saveModel(model, out.resolve("model"));
        writeReport(masks, pairs.size());
        LOG.info("Aligned model written to {}, report {}", out.resolve("model"), out.resolve(REPORT));
        return new AlignmentResult(model, masks, results, config, out);
    }

    /** Writes {@value #REPORT}: the stages run so far with their masks, those still to run as such. */
    private void writeReport(Map<String, NeuronMask> masks, int pairs) {
        List<RunReport.Stage> stages = new ArrayList<>();
        Path rewriterLog = out.resolve("rewriter").resolve("metrics.jsonl");
        if (Files.exists(rewriterLog)) {
            stages.add(new RunReport.Stage("rewriter", rewriterLog.getParent(), 0, null));
        }
        for (StageConfig stage : config.stages()) {
            stages.add(new RunReport.Stage(stage.name(), out.resolve(stage.name()),
                    stage.training().totalSteps(pairs), masks.get(stage.name())));
        }
        RunReport.write(out.resolve(REPORT), out.getFileName().toString(), AlignmentConfigJson.toJson(config),
                dataSummaries, stages);
    }

    /**
     * Writes a model with the run's tokenizer files, stored as {@link AlignmentPlan#saveOptions()} say (stage
     * checkpoints are written elsewhere, in float32).
     */
    private void saveModel(CausalLm m, Path directory) {
        dev.allo.Allo.saveModel(m, plan.tokenizer(), directory, plan.saveOptions());
    }

    /**
     * The estimated peak memory of every training stage of the run (see {@link MemoryPlan}), from the encoded data;
     * writes nothing.
     *
     * @return the plan
     */
    public MemoryPlan memoryPlan() {
        List<TokenizedPair> pairs = encode(plan.examples(), "data");
        boolean trainsRewriter = needsRewriter() && plan.rewriter().isEmpty();
        return new MemoryPlanner(plan).plan(pairs, trainsRewriter ? encodeRewrites() : List.of());
    }

    /**
     * Logs the memory plan and refuses a run whose largest stage would not fit the device, unless the system
     * property {@value #SKIP_MEMORY_CHECK} is {@code true} (the estimate is an estimate).
     */
    private static void checkMemory(MemoryPlan memory) {
        LOG.info("{}", memory.describe().stripTrailing());
        if (!memory.fits() && !Boolean.getBoolean(SKIP_MEMORY_CHECK)) {
            throw new IllegalArgumentException("the run would need " + MemoryPlan.gib(memory.peakBytes())
                    + " at its peak but " + memory.device() + " has " + MemoryPlan.gib(memory.availableBytes())
                    + " (set -D" + SKIP_MEMORY_CHECK + "=true to run anyway):" + System.lineSeparator()
                    + memory.describe());
        }
    }

    /** Gradient checkpointing, where asked for, has a plain decoder to checkpoint. */
    private void checkCheckpointing(CausalLm model) {
        List<String> asking = new ArrayList<>();
        if (config.locate() != null && config.locate().warmUp().gradientCheckpointing()) {
            asking.add("the locate warm-up");
        }
        for (StageConfig stage : config.stages()) {
            if (stage.training().gradientCheckpointing()) {
                if (stage.lora() != null) {
                    throw new IllegalArgumentException("stage '" + stage.name() + "' asks for gradient checkpointing"
                            + " and LoRA together, which is not supported: turn off one of them");
                }
                asking.add("stage '" + stage.name() + "'");
            }
        }
        if (!asking.isEmpty()) {
            try {
                CheckpointedDecoder.of(model);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(String.join(", ", asking) + ": " + e.getMessage(), e);
            }
        }
    }

    /** Every stage, the locate warm-up and the rewriter's training take at least one optimiser step. */
    private void checkSteps(int pairs, int rewrites) {
        LocateConfig locate = config.locate();
        if (locate != null && locate.method() == LocateConfig.Method.WEIGHT_DELTA && plan.estimator().isEmpty()) {
            requireSteps("the locate warm-up (LocateConfig.warmUp)", locate.warmUp(), pairs, "pairs");
        }
        for (StageConfig stage : config.stages()) {
            requireSteps("stage '" + stage.name() + "'", stage.training(), pairs, "pairs");
        }
        if (rewrites > 0) {
            requireSteps("rewriter training (trainRewriter)", plan.rewriterTraining().orElseThrow().training(),
                    rewrites, "rewrite examples");
        }
    }

    private static void requireSteps(String what, TrainingConfig training, int examples, String unit) {
        long steps = training.totalSteps(examples);
        if (steps < 1) {
            throw new IllegalArgumentException(what + " has no full batch: " + examples + " " + unit + ", batchSize "
                    + training.batchSize() + ", so it would take 0 optimiser steps; lower the batch size to at most "
                    + examples + " or add data");
        }
        LearningRateSchedule schedule = training.scheduleFor(steps);
        boolean moves = false;
        for (long step = 0; step < steps && !moves; step++) { // stops at the first step past the warm-up
            moves = schedule.multiplier(step) > 0;
        }
        if (!moves) {
            throw new IllegalArgumentException(what + " would not change the model: its learning rate is 0 at each of"
                    + " its " + steps + " optimiser steps (" + training.schedule() + " schedule with warmupRatio "
                    + training.warmupRatio() + ": the warm-up starts from 0); give it more steps (a smaller batch"
                    + " size or more epochs) or a warmupRatio of 0 (TrainingConfig.withSchedule)");
        }
    }

    /**
     * A LoRA stage that holds the base in 16 bits leaves it so: only LoRA stages may follow it (a stage that trains
     * the model's weights would find none in float32).
     */
    private void checkLoraStages() {
        String halfBase = null;
        for (StageConfig stage : config.stages()) {
            if (stage.lora() == null && halfBase != null) {
                throw new IllegalArgumentException("stage '" + stage.name() + "' trains the model's weights, but"
                        + " LoRA stage '" + halfBase + "' before it holds them in 16 bits (lora.baseStorage); give"
                        + " that stage baseStorage FLOAT32, or make this one a LoRA stage");
            }
            if (stage.lora() != null && stage.lora().baseStorage() != LoraSettings.BaseStorage.FLOAT32) {
                halfBase = stage.name();
            }
        }
    }

    /** Mask files named by stages exist, parse and fit the model. */
    private void checkMaskFiles(CausalLm model) {
        for (StageConfig stage : config.stages()) {
            if (stage.mask().kind() == MaskRule.Kind.FILE) {
                NeuronMask mask = NeuronMask.load(Path.of(stage.mask().file()));
                try {
                    mask.checkMatches(model.parameters());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("stage '" + stage.name() + "': mask file "
                            + stage.mask().file() + " does not fit the model: " + e.getMessage(), e);
                }
            }
        }
    }

    private List<TokenizedPair> encode(List<PreferenceExample> examples, String what) {
        PairEncoder encoder = new PairEncoder(plan.tokenizer(),
                TruncationPolicy.of(config.maxLength(), config.maxPromptLength()));
        DropLog drops = new DropLog();
        List<TokenizedPair> pairs = new ArrayList<>();
        long index = 0;
        for (PreferenceExample example : examples) {
            encoder.encode(index++, example, drops).ifPresent(pairs::add);
        }
        dataSummaries.add(DataSummary.of(what, examples.size(), pairs, drops.count(), drops.summary()));
        if (drops.count() > 0) {
            LOG.warn("Dropped {} of {} pairs of {}: {}", drops.count(), examples.size(), what, drops.summary());
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("every one of the " + examples.size() + " pairs of " + what
                    + " was dropped by truncation (maxLength="
                    + config.maxLength() + ", maxPromptLength=" + config.maxPromptLength() + "): " + drops.summary());
        }
        return pairs;
    }

    private ImportanceScores locate(CausalLm model, List<TokenizedPair> pairs) {
        Path file = out.resolve("importance.scores");
        if (plan.resume() && Files.exists(file)) {
            LOG.info("Importance scores restored from {}", file);
            ImportanceScores restored = ImportanceScores.load(file, model.device());
            requireInformative(restored, file.toString());
            return restored;
        }
        LocateConfig locate = config.locate();
        ImportanceEstimator estimator = plan.estimator().orElseGet(() -> switch (locate.method()) {
            case WEIGHT_DELTA -> new WeightDeltaImportanceEstimator();
            case ACCUMULATED_GRADIENT -> new AccumulatedGradientImportanceEstimator();
            case RANDOM -> new RandomImportanceEstimator(locate.seed());
        });
        TrainingConfig warmUp = locate.warmUp();
        long steps = Math.max(1, warmUp.totalSteps(pairs.size()));
        Path warmUpCheckpoint = out.resolve("locate").resolve("checkpoint");
        if (!plan.resume()) {
            AtomicFiles.deleteQuietly(warmUpCheckpoint.getParent()); // a fresh run starts its warm-up over
        }
        TrainingImportanceContext.Builder contextBuilder = TrainingImportanceContext.builder(pairs)
                .objective(locate.warmUpObjective())
                .optimizer(warmUp.adamW(steps))
                .config(loop(warmUp))
                .gradientCheckpointing(warmUp.gradientCheckpointing())
                .padId(padId)
                .listener(userListeners);
        if (plan.checkpointEvery() > 0) {
            contextBuilder.checkpoints(warmUpCheckpoint, plan.checkpointEvery()); // resumable warm-up
        }
        TrainingImportanceContext context = contextBuilder.build();
        LOG.info("Locating key neurons with {}", estimator.getClass().getSimpleName());
        ImportanceScores scores = estimator.estimate(model, context);
        requireInformative(scores, estimator.getClass().getSimpleName() + " (warm-up " + warmUp + ")");
        scores.save(file);
        AtomicFiles.deleteQuietly(warmUpCheckpoint.getParent()); // the saved scores replace the warm-up's checkpoint
        return scores;
    }

    private static void requireInformative(ImportanceScores scores, String source) {
        try {
            InformativeScores.require(scores, source);
        } catch (IllegalArgumentException e) {
            scores.close();
            throw e;
        }
    }

    private NeuronMask mask(StageConfig stage, CausalLm model, ImportanceScores scores) {
        MaskRule rule = stage.mask();
        Map<String, Shape> shapes = NeuronMask.shapesOf(model.parameters());
        NeuronMask mask = switch (rule.kind()) {
            case ALL -> NeuronMask.all(shapes);
            case FILE -> NeuronMask.load(Path.of(rule.file()));
            case RANDOM -> scores != null ? rule.selector(config.seed()).select(scores)
                    : randomWithoutScores(rule, model);
            case GLOBAL_TOP_K, PER_TENSOR_TOP_K, LAST_K -> rule.selector(config.seed()).select(scores);
        };
        mask.checkMatches(model.parameters());
        Path dir = out.resolve(stage.name());
        createDirectories(dir);
        Path file = dir.resolve("mask.bin");
        if (plan.resume() && Files.exists(file)) {
            NeuronMask saved = NeuronMask.load(file);
            if (!saved.equals(mask)) {
                throw new IllegalArgumentException("cannot resume stage '" + stage.name() + "': its saved mask " + file
                        + " (" + saved + ") differs from the one this run selects (" + mask + "); the model or the"
                        + " importance scores differ from the first run's");
            }
        } else {
            mask.save(file);
        }
        LOG.info("Stage '{}': mask {} selects {} of {} weights ({})", stage.name(), rule.kind(),
                mask.selectedCount(), mask.size(), String.format("%.4f", mask.ratio()));
        return mask;
    }

    /** A random mask needs only the shapes: zero scores stand in for the missing locate stage. */
    private NeuronMask randomWithoutScores(MaskRule rule, CausalLm model) {
        Map<String, NDArray> zeros = new LinkedHashMap<>();
        NDManager manager = model.manager().newSubManager();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            zeros.put(e.getKey(), manager.zeros(e.getValue().getShape(), DataType.FLOAT32));
        }
        try (ImportanceScores s = ImportanceScores.of(zeros)) {
            return rule.selector(config.seed()).select(s);
        } finally {
            manager.close();
        }
    }

    private StageResult runStage(StageConfig stage, CausalLm model, NeuronMask mask, WeightHolding holding,
            List<TokenizedPair> pairs, List<TokenizedPair> heldOut) {
        List<TokenizedPair> weighted = weigh(stage, pairs);
        PreferenceObjective objective = objective(stage);
        TrainingConfig training = stage.training();
        long steps = training.totalSteps(weighted.size());
        LoopConfig loop = loop(training);
        Path dir = out.resolve(stage.name());
        Path checkpoint = dir.resolve("checkpoint");
        boolean resuming = plan.resume() && StageCheckpoint.recover(checkpoint).isPresent();
        ReferenceCache cache = new ReferenceCache(out.resolve("cache"), plan.precomputedCaches());
        ReferenceLogProbs reference = null;
        if (objective.requiresReference() && !resuming) {
            // Eq. (2), (7), (9): the reference is the stage's starting model, computed once and cached on disk
            // (for a LoRA stage: the base without the adapters, which is the policy's exact start since B = 0).
            reference = cache.getOrCompute(model, weighted, plan.tokenizer().identity(), loop.referenceBatchSize(),
                    logProbs(), padId);
        }
        LoraModel lora = stage.lora() == null ? null : LoraStage.start(stage, model, config.seed());
        CausalLm policy = lora == null ? model : lora;
        NeuronMask trained = lora == null ? holding.onParameters(model, mask)
                : NeuronMask.all(NeuronMask.shapesOf(lora.parameters()));
        try (LoraModel adapters = lora;
                MaskedOptimizer optimizer = optimizer(training, trained, policy, steps);
                EvaluationListener evaluation = evaluation(stage, model, policy, heldOut, dir);
                ReportListener reports = reports(stage.name(), dir)) {
            List<TrainingListener> listeners = new ArrayList<>(List.of(userListeners));
            if (evaluation != null) {
                listeners.add(evaluation);
            }
            listeners.add(reports);
            ReportingConfig reporting = config.reporting();
            if (reporting.saveSteps() > 0) {
                // a LoRA stage's numbered checkpoints hold its adapters (PEFT layout), others the whole model
                listeners.add(new NumberedCheckpoints(dir, reporting.saveSteps(), reporting.saveTotalLimit(),
                        target -> saveModel(policy, target)));
            }
            StageTrainer.Builder builder = StageTrainer.builder().name(stage.name()).policy(policy)
                    .objective(objective).optimizer(optimizer).pairs(weighted).config(loop).padId(padId)
                    .gradientCheckpointing(training.gradientCheckpointing())
                    .listener(TrainingListeners.all(listeners)).metricsLog(dir.resolve("metrics.jsonl"))
                    .checkpoints(checkpoint, plan.checkpointEvery() > 0 ? plan.checkpointEvery() : Long.MAX_VALUE);
            if (reference != null) {
                builder.reference(reference);
            }
            StageTrainer trainer = builder.build();
            StageResult result;
            if (resuming) {
                LOG.info("Stage '{}' continues from {}", stage.name(), checkpoint);
                result = trainer.resume(checkpoint);
            } else {
                result = trainer.run();
            }
            StageWarnings.log(result, training, weighted.size()).forEach(userListeners::onWarning);
            LossChart.write(stage.name(), dir.resolve("metrics.jsonl"), dir.resolve("loss.png"));
            if (adapters != null) {
                saveModel(adapters, dir.resolve("adapter")); // PEFT layout
                LoraStage.mergeIntoBase(adapters); // the next stage and the result continue from W0 + dW
            }
            saveModel(model, dir.resolve("model"));
            return result;
        }
    }

    /** The stage's CSV and TensorBoard logs, as {@link ReportingConfig#reportTo()} asks. */
    private ReportListener reports(String stage, Path dir) {
        ReportingConfig reporting = config.reporting();
        List<LongFunction<MetricsSink>> openers = new ArrayList<>();
        if (reporting.reportsTo(ReportTarget.CSV)) {
            openers.add(keep -> CsvMetricsLog.open(dir.resolve("metrics.csv"), keep));
        }
        if (reporting.reportsTo(ReportTarget.TENSORBOARD)) {
            openers.add(keep -> TensorBoardEventLog.open(out.resolve("tensorboard").resolve(stage), keep));
        }
        return new ReportListener(dir.resolve("metrics.jsonl"), reporting.loggingSteps(), openers);
    }

    private PreferenceObjective objective(StageConfig stage) {
        PreferenceObjective custom = plan.objectives().get(stage.name());
        return custom != null ? custom : PreferenceObjective.of(stage.objective());
    }

    /**
     * The held-out evaluation of the stage's policy, against the reference of the stage's starting model; null if
     * none.
     */
    private EvaluationListener evaluation(StageConfig stage, CausalLm model, CausalLm policy,
            List<TokenizedPair> heldOut, Path dir) {
        if (!plan.evaluation().isEnabled()) {
            return null;
        }
        // A fresh instance for stateful objectives (BCO's running mean must not see held-out data).
        PreferenceObjective objective = plan.objectives().containsKey(stage.name())
                ? plan.objectives().get(stage.name()) : PreferenceObjective.of(stage.objective());
        ReferenceLogProbs reference = null;
        int batch = stage.training().microBatchSize();
        if (!heldOut.isEmpty() && objective.requiresReference()) {
            reference = new ReferenceCache(out.resolve("cache"), plan.precomputedCaches()).getOrCompute(model, heldOut,
                    plan.tokenizer().identity(), batch, logProbs(), padId);
        }
        return new EvaluationListener(policy, objective, heldOut, reference, plan.evaluation().evaluators(),
                plan.evaluation().everySteps(), batch, logProbs(), padId, dir.resolve("eval.jsonl"));
    }

    private boolean needsRewriter() {
        return config.stages().stream().anyMatch(s -> s.rewards() == dev.allo.pipeline.TokenRewards.REWRITER);
    }

    /**
     * Sec. 4.2's rewriter: a copy of the policy fine-tuned by SFT on rewrite prompt -> corrected prediction (the
     * wrong prediction fills the unused rejected side, which SFT never reads). Restored, not retrained, on resume.
     */
    private CausalLm trainRewriter(CausalLm model, List<TokenizedPair> pairs) {
        CausalLm copy = model.copy();
        try {
            Path dir = out.resolve("rewriter");
            Path checkpoint = dir.resolve("checkpoint");
            TrainingConfig t = plan.rewriterTraining().orElseThrow().training();
            long steps = t.totalSteps(pairs.size());
            try (MaskedOptimizer optimizer = optimizer(t, NeuronMask.all(NeuronMask.shapesOf(copy.parameters())),
                    copy, steps)) {
                StageTrainer trainer = StageTrainer.builder().name("rewriter").policy(copy)
                        .objective(PreferenceObjective.of(new ObjectiveConfig.Sft())).optimizer(optimizer)
                        .pairs(pairs).config(loop(t)).padId(padId).gradientCheckpointing(t.gradientCheckpointing())
                        .listener(userListeners)
                        .metricsLog(dir.resolve("metrics.jsonl"))
                        .checkpoints(checkpoint, plan.checkpointEvery() > 0 ? plan.checkpointEvery() : Long.MAX_VALUE)
                        .build();
                LOG.info("Training the rewriter on {} rewrite examples", pairs.size());
                boolean resuming = plan.resume() && StageCheckpoint.recover(checkpoint).isPresent();
                if (resuming) {
                    trainer.resume(checkpoint);
                } else {
                    trainer.run();
                }
                LossChart.write("rewriter", dir.resolve("metrics.jsonl"), dir.resolve("loss.png"));
            }
            saveModel(copy, dir.resolve("model"));
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /** The rewriter's SFT examples: rewrite prompt -> corrected prediction (the wrong one fills the unused side). */
    private List<TokenizedPair> encodeRewrites() {
        List<PreferenceExample> examples = new ArrayList<>();
        for (RewriteQuadruple q : plan.rewriterTraining().orElseThrow().examples()) {
            SupervisedExample s = q.toSupervised(plan.rewriteTemplate());
            examples.add(PreferenceExample.of(s.prompt(), s.completion(), q.wrongPrediction()));
        }
        return encode(examples, "trainRewriter examples");
    }

    private List<TokenizedPair> weigh(StageConfig stage, List<TokenizedPair> pairs) {
        TokenScorer scorer = switch (stage.rewards()) {
            case NONE -> null;
            case REWRITER -> TokenScorer.rewriteModel(rewriter, plan.tokenizer(), RewriteScorerConfig.defaults()
                    .withTemplate(plan.rewriteTemplate()).withThreshold(stage.rewardThreshold()));
            case EDIT_DISTANCE -> TokenScorer.editDistance();
            case CUSTOM -> plan.tokenScorer().orElseThrow();
        };
        if (scorer == null) {
            return pairs;
        }
        ScoreCache.Result scored = new ScoreCache(out.resolve("cache"), plan.precomputedCaches()).scores(pairs, plan.tokenizer(), scorer);
        LOG.info("Stage '{}': token rewards from {} ({})", stage.name(), stage.rewards(),
                scored.fromCache() ? "cached" : "computed");
        return ScoreCache.apply(pairs, scored.scores());
    }

    private MaskedOptimizer optimizer(TrainingConfig training, NeuronMask mask, CausalLm model, long steps) {
        if (plan.optimizer().isPresent()) {
            return plan.optimizer().get().create(mask, model.parameters(), training, steps);
        }
        return switch (training.optimizer()) {
            case SPARSE_ADAMW -> new SparseAdamW(training.adamW(steps), mask, model.parameters());
            case DENSE_MASKED_ADAMW -> new DenseMaskedAdamW(training.adamW(steps), mask, model.parameters());
            case MASKED_SGD -> new MaskedSgd(training.sgd(steps), mask, model.parameters());
        };
    }

    private LoopConfig loop(TrainingConfig training) {
        // Full batches only, so the loop runs exactly TrainingConfig.totalSteps steps, the schedule's length.
        BatchConfig batch = BatchConfig.of(training.batchSize()).withShuffle(true, config.seed()).withDropLast(true);
        return new LoopConfig(batch, training.microBatchSize(), training.epochs(), training.maxSteps(),
                config.logProbChunk(), training.microBatchSize());
    }

    private TokenLogProbs logProbs() {
        return config.logProbChunk() > 0 ? TokenLogProbs.chunked(config.logProbChunk()) : TokenLogProbs.unchunked();
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new AlloException("Cannot create output directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
