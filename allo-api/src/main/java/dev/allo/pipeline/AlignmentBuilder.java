package dev.allo.pipeline;

import ai.djl.Device;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.RewriteQuadruple;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.model.CausalLm;
import dev.allo.model.SaveOptions;
import dev.allo.objective.PreferenceObjective;
import dev.allo.scorer.TokenScorer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Collects a model, a tokenizer, preference data and the stages to run, and validates all of it in
 * {@link #build()} before any work starts.
 *
 * <pre>{@code
 * AlignmentResult r = Allo.builder()
 *     .model(policy).tokenizer(tokenizer).data(pairs)
 *     .locateNeurons(LocateConfig.weightDelta())
 *     .forget(ForgetConfig.defaults())          // token-level NPO on the top 5% of neurons
 *     .learn(LearnConfig.defaults())            // token-weighted DPO on the top 10%
 *     .rewriter(rewriter)
 *     .outputDirectory(Path.of("runs/allo"))
 *     .build().run();
 * }</pre>
 *
 * <p>Each stage is optional: only {@code locateNeurons} computes importance scores; a single
 * {@code stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training))} is plain DPO. Stages run in the
 * order they were added, each starting from the previous one's output.
 */
public final class AlignmentBuilder {
    private CausalLm model;
    private Tokenizer tokenizer;
    private List<PreferenceExample> examples;
    private LocateConfig locate;
    private final List<StageConfig> stages = new ArrayList<>();
    private long seed = 42;
    private int maxLength = 512;
    private int maxPromptLength = 256;
    private int logProbChunk;
    private WeightStorage weightStorage = WeightStorage.AUTO;
    private ReportingConfig reporting = ReportingConfig.defaults();
    private CausalLm rewriter;
    private AlignmentPlan.RewriterTraining rewriterTraining;
    private PromptTemplate rewriteTemplate = PromptTemplate.solutionRewriting();
    private TokenScorer tokenScorer;
    private ImportanceEstimator estimator;
    private MaskedOptimizerFactory optimizer;
    private final Map<String, PreferenceObjective> objectives = new LinkedHashMap<>();
    private Device device;
    private Path outputDirectory = Path.of("allo-output", "run");
    private final List<TrainingListener> listeners = new ArrayList<>();
    private List<PreferenceExample> heldOut = List.of();
    private final List<ModelEvaluator> evaluators = new ArrayList<>();
    private long evaluateEvery;
    private long checkpointEvery;
    private boolean resume;
    private boolean overwrite;
    private SaveOptions saveOptions = SaveOptions.defaults();
    private Path precomputedCaches;

    /** Use {@link Allo#builder()}. */
    public AlignmentBuilder() {}

    /**
     * The policy to align; it is trained in place.
     *
     * @param value the model
     * @return this builder
     */
    public AlignmentBuilder model(CausalLm value) {
        this.model = Objects.requireNonNull(value, "model");
        return this;
    }

    /**
     * The tokenizer of the model.
     *
     * @param value the tokenizer
     * @return this builder
     */
    public AlignmentBuilder tokenizer(Tokenizer value) {
        this.tokenizer = Objects.requireNonNull(value, "tokenizer");
        return this;
    }

    /**
     * The preference pairs.
     *
     * @param value the examples, at least one
     * @return this builder
     */
    public AlignmentBuilder data(List<PreferenceExample> value) {
        this.examples = List.copyOf(value);
        return this;
    }

    /**
     * Every setting at once, for example a Table 5 preset ({@link AlloPresets}) or a configuration read from JSON;
     * stages added before are replaced.
     *
     * @param value the configuration
     * @return this builder
     */
    public AlignmentBuilder config(AlignmentConfig value) {
        this.locate = value.locate();
        this.stages.clear();
        this.stages.addAll(value.stages());
        this.seed = value.seed();
        this.maxLength = value.maxLength();
        this.maxPromptLength = value.maxPromptLength();
        this.logProbChunk = value.logProbChunk();
        this.reporting = value.reporting();
        this.weightStorage = value.weightStorage();
        return this;
    }

    /**
     * Adds the locate stage (ALLO Sec. 4.1).
     *
     * @param value how to score the neurons
     * @return this builder
     */
    public AlignmentBuilder locateNeurons(LocateConfig value) {
        this.locate = Objects.requireNonNull(value, "locate");
        return this;
    }

    /**
     * Adds ALLO's forgetting stage (Sec. 4.2).
     *
     * @param value the stage's settings
     * @return this builder
     */
    public AlignmentBuilder forget(ForgetConfig value) {
        return stage(value.toStage());
    }

    /**
     * Adds ALLO's learning stage (Sec. 4.3).
     *
     * @param value the stage's settings
     * @return this builder
     */
    public AlignmentBuilder learn(LearnConfig value) {
        return stage(value.toStage());
    }

    /**
     * Adds any stage: an objective on a mask.
     *
     * @param value the stage
     * @return this builder
     */
    public AlignmentBuilder stage(StageConfig value) {
        stages.add(Objects.requireNonNull(value, "stage"));
        return this;
    }

    /**
     * The seed of data order and random masks; default 42.
     *
     * @param value the seed
     * @return this builder
     */
    public AlignmentBuilder seed(long value) {
        this.seed = value;
        return this;
    }

    /**
     * Truncation limits in tokens; defaults 512 and 256.
     *
     * @param length the longest prompt + response
     * @param promptLength the longest prompt
     * @return this builder
     */
    public AlignmentBuilder maxLength(int length, int promptLength) {
        this.maxLength = length;
        this.maxPromptLength = promptLength;
        return this;
    }

    /**
     * Computes log-probabilities {@code positions} positions at a time so that the full {@code (B, T, V)} logits are
     * never alive at once; 0 (the default) for all at once.
     *
     * @param positions positions per chunk
     * @return this builder
     */
    public AlignmentBuilder logProbChunk(int positions) {
        this.logProbChunk = positions;
        return this;
    }

    /**
     * How the weights that no stage updates are held (see {@link WeightStorage}); {@link WeightStorage#AUTO} (the
     * default) holds them in BF16 when the model's weights were stored as BF16, which loses nothing.
     *
     * @param value the storage
     * @return this builder
     */
    public AlignmentBuilder weightStorage(WeightStorage value) {
        this.weightStorage = Objects.requireNonNull(value, "weightStorage");
        return this;
    }

    /**
     * The rewriting model of Eq. (5), for stages with {@link TokenRewards#REWRITER}.
     *
     * @param value a causal LM sharing the policy's tokenizer
     * @return this builder
     */
    public AlignmentBuilder rewriter(CausalLm value) {
        this.rewriter = Objects.requireNonNull(value, "rewriter");
        return this;
    }

    /**
     * Trains the rewriting model of Eq. (5) instead of taking a ready one: a copy of the policy is fine-tuned by SFT
     * on {@code rewrite prompt (problem, correct solution, wrong prediction) -> corrected prediction}, with the same
     * loop, before the first stage. It is saved to {@code rewriter/model} in the output directory.
     *
     * @param examples rewrite quadruples, at least one
     * @param training how the SFT trains
     * @return this builder
     */
    public AlignmentBuilder trainRewriter(List<RewriteQuadruple> examples, TrainingConfig training) {
        this.rewriterTraining = new AlignmentPlan.RewriterTraining(examples, training);
        return this;
    }

    /**
     * The rewrite prompt, with {@code {problem}}, {@code {solution}} and {@code {prediction}}; default the paper's
     * Table 6 "Solution Rewriting" template. Used to train the rewriter and to score tokens with it.
     *
     * @param value the template
     * @return this builder
     */
    public AlignmentBuilder rewriteTemplate(PromptTemplate value) {
        value.requirePlaceholders(List.of(PromptTemplate.PROBLEM, PromptTemplate.SOLUTION, PromptTemplate.PREDICTION));
        this.rewriteTemplate = value;
        return this;
    }

    /**
     * A token scorer of your own, for stages with {@link TokenRewards#CUSTOM}.
     *
     * @param value the scorer
     * @return this builder
     */
    public AlignmentBuilder tokenScorer(TokenScorer value) {
        this.tokenScorer = Objects.requireNonNull(value, "tokenScorer");
        return this;
    }

    /**
     * An importance estimator of your own, used by the locate stage instead of {@link LocateConfig#method()}.
     *
     * @param value the estimator
     * @return this builder
     */
    public AlignmentBuilder importanceEstimator(ImportanceEstimator value) {
        this.estimator = Objects.requireNonNull(value, "importanceEstimator");
        return this;
    }

    /**
     * An optimiser of your own for every stage, instead of {@link TrainingConfig#optimizer()}.
     *
     * @param value the factory
     * @return this builder
     */
    public AlignmentBuilder optimizer(MaskedOptimizerFactory value) {
        this.optimizer = Objects.requireNonNull(value, "optimizer");
        return this;
    }

    /**
     * An objective of your own for one stage, instead of the stage's configured objective.
     *
     * @param stageName the stage's name
     * @param value the objective
     * @return this builder
     */
    public AlignmentBuilder objective(String stageName, PreferenceObjective value) {
        objectives.put(Objects.requireNonNull(stageName, "stageName"), Objects.requireNonNull(value, "objective"));
        return this;
    }

    /**
     * Where training runs; default the model's device, and it must be the model's device (load or copy the model
     * there first). Every array the pipeline makes is created on it.
     *
     * @param value the device
     * @return this builder
     */
    public AlignmentBuilder device(Device value) {
        this.device = Objects.requireNonNull(value, "device");
        return this;
    }

    /**
     * Where the run writes the aligned model, masks, configuration, metrics and charts; default
     * {@code allo-output/run}.
     *
     * @param value the directory
     * @return this builder
     */
    public AlignmentBuilder outputDirectory(Path value) {
        this.outputDirectory = Objects.requireNonNull(value, "outputDirectory");
        return this;
    }

    /**
     * How each stage's {@code <stage>/model/} and the final {@code model/} are stored: the weight type (by default
     * the type the model was loaded from: BF16 for a BF16 checkpoint, else F32) and the shard size. Stage
     * checkpoints, which resume training, always keep float32.
     *
     * @param value the options
     * @return this builder
     */
    public AlignmentBuilder saveOptions(SaveOptions value) {
        this.saveOptions = Objects.requireNonNull(value, "saveOptions");
        return this;
    }

    /**
     * Adds an observer of every stage (progress, logging, evaluation).
     *
     * @param value the listener
     * @return this builder
     */
    public AlignmentBuilder listener(TrainingListener value) {
        listeners.add(Objects.requireNonNull(value, "listener"));
        return this;
    }

    /**
     * Held-out preference pairs whose {@code rewards/accuracies} and loss are reported as {@code eval/...} metrics
     * at every stage's start and end (and every {@link #evaluateEvery} steps).
     *
     * @param pairs pairs never trained on
     * @return this builder
     */
    public AlignmentBuilder heldOut(List<PreferenceExample> pairs) {
        this.heldOut = List.copyOf(pairs);
        return this;
    }

    /**
     * Adds an evaluation hook (for example generation accuracy with a task's answer checker), run at every stage's
     * start and end (and every {@link #evaluateEvery} steps).
     *
     * @param value the evaluator
     * @return this builder
     */
    public AlignmentBuilder evaluator(ModelEvaluator value) {
        evaluators.add(Objects.requireNonNull(value, "evaluator"));
        return this;
    }

    /**
     * Also evaluates every {@code steps} optimiser steps; default 0 (stage starts and ends only).
     *
     * @param steps the interval, at least 0
     * @return this builder
     */
    public AlignmentBuilder evaluateEvery(long steps) {
        this.evaluateEvery = steps;
        return this;
    }

    /**
     * Writes a checkpoint (weights, optimiser state, data position, reference log-probs) every {@code steps}
     * optimiser steps, besides the one at every stage's end; default 0 (stage ends only).
     *
     * @param steps the interval, at least 0
     * @return this builder
     */
    public AlignmentBuilder checkpointEvery(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("checkpointEvery must be >= 0 (0 = stage ends only), got " + steps);
        }
        this.checkpointEvery = steps;
        return this;
    }

    /**
     * TRL's {@code logging_steps}: every this many optimiser steps (and after a stage's last step) a progress line
     * and a row of every {@link #reportTo} target, averaged over the window (see {@link ReportingConfig}); default
     * 10.
     *
     * @param steps the interval, at least 1
     * @return this builder
     */
    public AlignmentBuilder loggingSteps(long steps) {
        this.reporting = reporting.withLoggingSteps(steps);
        return this;
    }

    /**
     * TRL's {@code save_steps}: every this many optimiser steps of a stage the model is saved to
     * {@code <stage>/checkpoint-<step>/} (Hugging Face layout); default 0 (none).
     *
     * @param steps the interval, 0 for none
     * @return this builder
     */
    public AlignmentBuilder saveSteps(long steps) {
        this.reporting = reporting.withSaving(steps, reporting.saveTotalLimit());
        return this;
    }

    /**
     * TRL's {@code save_total_limit}: keep only the newest {@code limit} numbered checkpoints of each stage; default
     * 0 (all). The resume checkpoint {@code <stage>/checkpoint/} is never deleted.
     *
     * @param limit checkpoints kept, 0 for all
     * @return this builder
     */
    public AlignmentBuilder saveTotalLimit(int limit) {
        this.reporting = reporting.withSaving(reporting.saveSteps(), limit);
        return this;
    }

    /**
     * TRL's {@code report_to}: where metrics go besides the console; default {@link ReportTarget#JSONL}.
     *
     * @param targets the targets, {@link ReportTarget#NONE} alone for none
     * @return this builder
     */
    public AlignmentBuilder reportTo(ReportTarget... targets) {
        this.reporting = reporting.withReportTo(List.of(targets));
        return this;
    }

    /**
     * Reads reference log-probs and token scores computed elsewhere (for example by the Spark jobs of
     * {@code allo-spark}) from a directory of cache files: before a stage computes them it looks there for a file
     * with the same fingerprint (pairs, tokenizer, model weights, scorer), so the run trains exactly as if it had
     * computed them itself. Files that do not match are ignored and the values computed. The directory is never
     * written.
     *
     * @param directory the directory of precomputed cache files
     * @return this builder
     */
    public AlignmentBuilder precomputedCaches(Path directory) {
        this.precomputedCaches = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /**
     * Continues the run in {@link #outputDirectory}: the configuration must equal the saved one; finished stages are
     * restored from their last checkpoint, and an interrupted stage continues from its latest checkpoint. Build the
     * model exactly as for the first run (same initial weights). On CPU the final weights equal those of an
     * uninterrupted run bit for bit.
     *
     * @return this builder
     */
    public AlignmentBuilder resume() {
        this.resume = true;
        return this;
    }

    /**
     * Replaces the results of an earlier run in {@link #outputDirectory}: its files are deleted once this run's
     * configuration, data and masks have been checked, just before the first file is written. Without this (or
     * {@link #resume()}) a run refuses a directory that is not empty, so that no earlier result is damaged. Only a
     * directory that holds a run ({@code alignment-config.json}) is ever deleted.
     *
     * @return this builder
     */
    public AlignmentBuilder overwrite() {
        this.overwrite = true;
        return this;
    }

    /**
     * Validates everything and returns the run, which has not started.
     *
     * @return the run
     * @throws IllegalStateException naming what is missing (model, tokenizer, data, rewriter, scorer)
     * @throws IllegalArgumentException naming a setting that is out of range
     */
    public Alignment build() {
        if (model == null) {
            throw new IllegalStateException("model is not set: call model(...) before build()");
        }
        if (tokenizer == null) {
            throw new IllegalStateException("tokenizer is not set: call tokenizer(...) before build()");
        }
        if (examples == null || examples.isEmpty()) {
            throw new IllegalStateException(examples == null
                    ? "data is not set: call data(...) with at least one pair"
                    : "data is empty: data(...) was given no pairs (a data file read into an empty list?)");
        }
        if (resume && overwrite) {
            throw new IllegalStateException("resume() and overwrite() exclude each other: resume continues the run in "
                    + outputDirectory + ", overwrite replaces it");
        }
        if (device != null && !device.equals(model.device())) {
            throw new IllegalArgumentException("device " + device + " differs from the model's device "
                    + model.device() + ": load or copy the model onto " + device + " (CausalLm.copy(device))");
        }
        if (tokenizer.vocabSize() > model.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer's vocabulary (" + tokenizer.vocabSize()
                    + ") is larger than the model's (" + model.vocabSize() + ")");
        }
        AlignmentConfig config = new AlignmentConfig(locate, stages, seed, maxLength, maxPromptLength, logProbChunk,
                reporting, weightStorage);
        Set<String> names = new HashSet<>();
        for (StageConfig s : config.stages()) {
            names.add(s.name());
            if (s.rewards() == TokenRewards.REWRITER && rewriter == null && rewriterTraining == null) {
                throw new IllegalStateException("stage '" + s.name() + "' takes its token rewards from a rewriting"
                        + " model (Eq. 5): call rewriter(...) or trainRewriter(...), or choose"
                        + " TokenRewards.EDIT_DISTANCE, NONE, or CUSTOM with tokenScorer(...)");
            }
            if (s.rewards() == TokenRewards.CUSTOM && tokenScorer == null) {
                throw new IllegalStateException("stage '" + s.name() + "' uses TokenRewards.CUSTOM: call "
                        + "tokenScorer(...)");
            }
        }
        requireUsed(config);
        for (String name : objectives.keySet()) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("objective(...) names stage '" + name + "', but the stages are "
                        + names);
            }
        }
        AlignmentPlan plan = new AlignmentPlan(model, tokenizer, examples, config, Optional.ofNullable(rewriter),
                Optional.ofNullable(rewriterTraining), rewriteTemplate, Optional.ofNullable(tokenScorer), Optional.ofNullable(estimator), Optional.ofNullable(optimizer),
                objectives, device == null ? model.device() : device, outputDirectory, listeners,
                new AlignmentPlan.Evaluation(heldOut, evaluators, evaluateEvery), checkpointEvery, resume, overwrite,
                saveOptions, Optional.ofNullable(precomputedCaches));
        return new Alignment(plan);
    }

    /** A part given to the builder that no stage reads is a mistake, not something to ignore silently. */
    private void requireUsed(AlignmentConfig config) {
        Set<TokenRewards> rewards = EnumSet.noneOf(TokenRewards.class);
        config.stages().forEach(s -> rewards.add(s.rewards()));
        if (tokenScorer != null && !rewards.contains(TokenRewards.CUSTOM)) {
            throw new IllegalStateException("tokenScorer(...) was given, but no stage uses it: a stage reads it only"
                    + " with TokenRewards.CUSTOM (for example ForgetConfig.withRewards(TokenRewards.CUSTOM)); stage"
                    + " rewards are " + stageRewards(config));
        }
        if ((rewriter != null || rewriterTraining != null) && !rewards.contains(TokenRewards.REWRITER)) {
            throw new IllegalStateException((rewriter != null ? "rewriter(...)" : "trainRewriter(...)")
                    + " was given, but no stage uses it: a stage reads it only with TokenRewards.REWRITER; stage"
                    + " rewards are " + stageRewards(config));
        }
        if (rewriter != null && rewriterTraining != null) {
            throw new IllegalStateException("rewriter(...) and trainRewriter(...) were both given: the given rewriter"
                    + " would be used and the training ignored; give one");
        }
        if (estimator != null && config.locate() == null) {
            throw new IllegalStateException("importanceEstimator(...) was given, but there is no locate stage to use"
                    + " it: call locateNeurons(...)");
        }
        if (rewriter != null && rewriter.vocabSize() < tokenizer.vocabSize()) {
            throw new IllegalArgumentException("the rewriter's vocabulary (" + rewriter.vocabSize() + ") is smaller"
                    + " than the tokenizer's (" + tokenizer.vocabSize() + "): the rewriter must share the policy's"
                    + " tokenizer");
        }
    }

    private static Map<String, TokenRewards> stageRewards(AlignmentConfig config) {
        Map<String, TokenRewards> out = new LinkedHashMap<>();
        config.stages().forEach(s -> out.put(s.name(), s.rewards()));
        return out;
    }
}
