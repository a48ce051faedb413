package dev.allo.impl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.data.BatchPosition;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.data.PreferenceLoader;
import dev.allo.impl.model.CheckpointedDecoder;
import dev.allo.impl.model.RecomputedHead;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.model.CausalLm;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.MaskedOptimizer;
import dev.allo.optim.StepResult;
import dev.allo.train.LoopConfig;
import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepHistory;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one optimisation stage: a policy trained in place under one objective by one {@link MaskedOptimizer} (whose
 * mask is fixed; full-parameter training is the same code with {@code NeuronMask.all}).
 *
 * <p>Each optimiser step takes the next batch of {@link LoopConfig#batch()} pairs (seeded, resumable order) and
 * splits it into micro-batches of {@link LoopConfig#microBatchSize()} pairs. For each micro-batch, inside its own
 * {@link NDScope} and its own {@link GradientCollector}: forward the sides the objective reads (chosen and rejected
 * as one {@code 2B} batch), per-token log-probs ({@link TokenLogProbs}, chunked when configured), the reference's
 * per-token log-probs from {@link ReferenceLogProbs} (no reference forward pass), the batch's per-token weights
 * ({@code r_j} of Eq. 5), the objective, and backward of {@code ObjectiveOutput.accumulationLoss(totals)} with the
 * whole batch's pair and token counts, so the summed gradient equals the gradient of the unsplit batch. Then the
 * gradients are checked, {@link MaskedOptimizer#step} updates the selected weights (Eq. 1), and the listeners get
 * the step's {@link StepMetrics}. Gradients are zeroed before every step. With
 * {@link Builder#gradientCheckpointing} the forward pass keeps only each decoder block's input and the backward pass
 * recomputes the blocks ({@link CheckpointedDecoder}) and the output head chunk by chunk ({@link RecomputedHead}).
 *
 * <p>A NaN or infinite loss or gradient stops the stage with an {@link AlloException} naming the step, micro-batch
 * and value, before the optimiser touches the weights.
 *
 * <p>Reproducible: the data order depends only on the batch config's seed, and the loop draws no other random
 * numbers, so the same inputs on the same device give bit-identical weights. Memory stays flat: every per-step
 * array lives in a per-step manager or scope, and the stage keeps a bounded {@link StepHistory} of its steps (every
 * step's metrics go to the {@link Builder#metricsLog} file instead).
 *
 * <p>Kill-safe with {@link Builder#checkpoints} and {@link Builder#metricsLog}: a step's metrics line is flushed
 * before its checkpoint is written, and the listeners hear of the step after both; after a kill anywhere,
 * {@link StageCheckpoint#recover} and {@link #resume} continue from the newest complete checkpoint, re-running the
 * steps after it, and the metrics log ends with one line per step as in an uninterrupted run.
 *
 * <p>Reference log-probs: given with {@link Builder#reference(ReferenceLogProbs)} (for example from a
 * {@link ReferenceCache}, after which the reference model can be closed), or, when the objective needs them and
 * none are given, computed from the policy itself before the first step (the stage's starting model is the
 * reference, the {@code P_ref} of ALLO's Eqs. (2) and (6)-(9), arXiv 2406.12606, as TRL's DPO trainer takes it
 * when no reference model is given), without a copy of the model.
 *
 * <pre>{@code
 * StageResult result = StageTrainer.builder()
 *     .name("learn").policy(model).objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults()))
 *     .optimizer(new SparseAdamW(adamW, mask, model.parameters()))
 *     .pairs(pairs).config(LoopConfig.of(8, 4, 1)).padId(tokenizer.padId().orElse(0))
 *     .listener(myListener)
 *     .build().run();
 * }</pre>
 *
 * <p>Not thread-safe; one stage at a time per JVM (only one gradient collector may be open).
 */
public final class StageTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(StageTrainer.class);
    private final String name;
    private final CausalLm policy;
    private final PreferenceObjective objective;
    private final MaskedOptimizer optimizer;
    private final List<TokenizedPair> pairs;
    private final LoopConfig config;
    private final int padId;
    private final List<TrainingListener> listeners;
    private final TokenLogProbs logProbs;
    private final PreferenceLoader loader;
    private final PreferenceCollator collator;
    private final Path checkpointDirectory;
    private final long checkpointEvery;
    private final Path metricsFile;
    private final boolean checkStart;
    private final CheckpointedDecoder checkpointed; // null without gradient checkpointing
    private final RecomputedHead head; // null without gradient checkpointing
    private ReferenceLogProbs reference;
    private String startFingerprint;

    private StageTrainer(Builder b) {
        this.name = b.name;
        this.policy = Objects.requireNonNull(b.policy, "policy");
        this.objective = Objects.requireNonNull(b.objective, "objective");
        this.optimizer = Objects.requireNonNull(b.optimizer, "optimizer");
        this.config = Objects.requireNonNull(b.config, "config");
        Objects.requireNonNull(b.pairs, "pairs");
        if (b.pairs.isEmpty()) {
            throw new IllegalArgumentException("a stage needs at least one pair, got none");
        }
        this.pairs = List.copyOf(b.pairs);
        this.padId = b.padId;
        this.listeners = List.copyOf(b.listeners);
        this.reference = b.reference;
        this.logProbs = config.logProbChunkSize() == 0 ? TokenLogProbs.unchunked()
                : TokenLogProbs.chunked(config.logProbChunkSize());
        this.loader = new PreferenceLoader(pairs, config.batch(), padId);
        this.collator = new PreferenceCollator(config.batch().paddingSide(), config.batch().padToMultipleOf(), padId);
        this.checkpointDirectory = b.checkpointDirectory;
        this.checkpointEvery = b.checkpointEvery;
        this.metricsFile = b.metricsFile;
        this.checkStart = b.checkStart;
        this.checkpointed = b.gradientCheckpointing ? CheckpointedDecoder.of(policy) : null;
        this.head = b.gradientCheckpointing ? RecomputedHead.of(logProbs) : null;
        optimizer.mask().checkMatches(policy.parameters());
        if (totalSteps() < 1) {
            // A stage of 0 steps would return the model unchanged and look like a finished stage.
            throw new IllegalArgumentException("stage '" + name + "' has no full batch: " + pairs.size()
                    + " pairs, batch size " + config.batch().batchSize() + (config.batch().dropLast()
                            ? " with the incomplete last batch dropped" : "") + ", so it would take 0 optimiser"
                    + " steps; lower the batch size or add pairs");
        }
    }

    /**
     * Starts a builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Optimiser steps per epoch.
     *
     * @return batches per epoch of the stage's batch config
     */
    public int stepsPerEpoch() {
        return loader.batchesPerEpoch();
    }

    /**
     * The optimiser steps the whole stage takes.
     *
     * @return {@link LoopConfig#totalSteps(int)} for this data
     */
    public long totalSteps() {
        return config.totalSteps(stepsPerEpoch());
    }

    /**
     * The reference log-probs the stage uses, computing them from the policy if none were given and the objective
     * needs them (so call this before the first step, while the policy is still the starting model).
     *
     * @return the reference log-probs, or null when the objective needs none
     */
    public ReferenceLogProbs reference() {
        if (reference == null && objective.requiresReference()) {
            reference = ReferenceLogProbs.compute(policy, pairs, config.referenceBatchSize(), logProbs, padId,
                    "policy-at-stage-start:" + name);
        }
        return reference;
    }

    /**
     * Runs the stage from its first step to its last.
     *
     * @return what the stage did
     * @throws AlloException if a loss or gradient is NaN or infinite, or the engine fails
     */
    public StageResult run() {
        startFingerprint = checkStart ? weightsFingerprint(policy) : null;
        return runFrom(0, BatchPosition.START, null);
    }

    /**
     * Continues a stage from a checkpoint written by a run of this stage (same pairs, batch config and optimiser
     * kind and mask; see {@link Builder#checkpoints}): restores the policy's weights in place, the optimiser's and
     * the objective's state, the data position and the reference log-probs, then runs the remaining steps. On CPU
     * the final weights equal those of an uninterrupted run bit for bit.
     *
     * <p>Nothing is restored unless the whole checkpoint checks out: its {@code state.json} field by field, every
     * file against its recorded size and CRC32, and the state against this stage: the same stage name, pair count
     * and data seed; {@code 1 <= step <= totalSteps()}; the data position equal to the one reached after
     * {@code step} steps from the start; the optimiser's step count equal to {@code step}; the optimiser's mask;
     * reference log-probs present when the objective needs them, with the given reference's fingerprint if
     * one was given; the starting weights' fingerprint when {@link Builder#requireSameStart} is set. Restored
     * weights and optimiser tensors must be finite.
     *
     * @param checkpoint the checkpoint directory
     * @return what this call did; {@link StageResult#history()} holds (a sample of) the steps run after the
     *     checkpoint, {@link StageResult#last()} the last step also when the checkpoint is of the last step
     * @throws AlloException if the checkpoint cannot be read, is corrupted (naming the file and field or tensor) or
     *     holds a non-finite weight
     * @throws IllegalArgumentException if it belongs to another stage, other data, another seed, mask, optimiser or
     *     starting model, or its step or position is out of range for this stage
     */
    public StageResult resume(Path checkpoint) {
        CheckpointState state = StageCheckpoint.readVerified(checkpoint);
        check(checkpoint, state);
        if (checkStart) {
            String current = weightsFingerprint(policy);
            if (!current.equals(state.startFingerprint())) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " belongs to a stage that started"
                        + " from weights with fingerprint " + state.startFingerprint() + ", the policy given has "
                        + current + "; resume with the same starting model");
            }
        }
        ReferenceLogProbs restored = StageCheckpoint.restore(checkpoint, state, policy, optimizer, objective);
        reference = restored;
        startFingerprint = state.startFingerprint();
        return runFrom(state.step(), state.position(), state.lastStep());
    }

    /** The cross-checks of a checkpoint's state against this stage (see {@link #resume}). */
    private void check(Path checkpoint, CheckpointState state) {
        String where = "checkpoint " + checkpoint + " (" + StageCheckpoint.STATE + ")";
        if (!state.stage().equals(name)) {
            throw new IllegalArgumentException(where + " belongs to stage '" + state.stage() + "', not '" + name
                    + "'");
        }
        if (state.pairs() != pairs.size() || state.dataSeed() != config.batch().seed()) {
            throw new IllegalArgumentException(where + " belongs to a run with " + state.pairs()
                    + " pairs and data seed " + state.dataSeed() + ", this stage has " + pairs.size()
                    + " pairs and seed " + config.batch().seed());
        }
        long total = totalSteps();
        if (state.step() > total) {
            throw new IllegalArgumentException(where + " is at step " + state.step()
                    + ", past this stage's last step " + total);
        }
        BatchPosition expected = positionAfter(state.step());
        if (!state.position().equals(expected)) {
            throw new IllegalArgumentException(where + " records the next batch at epoch " + state.position().epoch()
                    + ", batch " + state.position().batch() + ", but after step " + state.step() + " of "
                    + stepsPerEpoch() + " batches per epoch it is epoch " + expected.epoch() + ", batch "
                    + expected.batch());
        }
        if (state.optimizerStep() != state.step()) {
            throw new IllegalArgumentException(where + " has optimizerStep " + state.optimizerStep()
                    + ", expected the stage's step " + state.step());
        }
        int lastEpoch = (int) ((state.step() - 1) / stepsPerEpoch());
        if (state.lastStep().epoch() != lastEpoch) {
            throw new IllegalArgumentException(where + " records lastStep.epoch " + state.lastStep().epoch()
                    + ", but step " + state.step() + " is in epoch " + lastEpoch);
        }
        if (state.maskFingerprint() != optimizer.mask().fingerprint()) {
            throw new IllegalArgumentException(String.format("%s was written with another mask (fingerprint %08x)"
                    + " than the optimiser's (%08x)", where, state.maskFingerprint(), optimizer.mask().fingerprint()));
        }
        if (objective.requiresReference() && state.referenceFingerprint() == null) {
            throw new IllegalArgumentException(where + " holds no reference log-probs, but objective "
                    + objective.name() + " needs them");
        }
        if (reference != null && state.referenceFingerprint() != null
                && !reference.fingerprint().equals(state.referenceFingerprint())) {
            throw new IllegalArgumentException(where + " holds reference log-probs " + state.referenceFingerprint()
                    + ", this stage was given " + reference.fingerprint());
        }
        if (checkStart && state.startFingerprint() == null) {
            throw new IllegalArgumentException(where + " records no starting-weights fingerprint, which this stage"
                    + " requires");
        }
    }

    /** The data position after {@code steps} steps from the start: {@code BatchPosition.next} applied that often. */
    private BatchPosition positionAfter(long steps) {
        long epoch = steps / stepsPerEpoch();
        if (epoch > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("step " + steps + " is out of range");
        }
        return new BatchPosition((int) epoch, (int) (steps % stepsPerEpoch()));
    }

    /**
     * Runs from {@code stepsDone} steps taken, the next batch at {@code position}, the optimiser in that state;
     * {@code lastDone} is the metrics of step {@code stepsDone} (null at the start).
     */
    private StageResult runFrom(long stepsDone, BatchPosition position, StepMetrics lastDone) {
        long started = System.nanoTime();
        ReferenceLogProbs ref = reference();
        ObjectiveRunner runner = new ObjectiveRunner(checkpointed != null ? checkpointed : policy, objective, ref,
                logProbs, head);
        long total = totalSteps();
        StepHistory history = new StepHistory(StepHistory.DEFAULT_CAPACITY);
        try (JsonLinesLog log = metricsFile == null ? null : openMetricsLog(stepsDone)) {
            for (TrainingListener l : listeners) {
                l.onStageStart(new StageStart(name, pairs.size(), stepsPerEpoch(), total, stepsDone));
            }
            policy.setTrainable(true);
            try (NDManager base = NDManager.newBaseManager(policy.device())) {
                BatchPosition pos = position;
                for (long step = stepsDone + 1; step <= total; step++) {
                    StepMetrics metrics = step(runner, base, step, pos, started);
                    pos = pos.next(stepsPerEpoch());
                    history.add(metrics);
                    if (log != null) {
                        log.append(metricsLine(metrics)); // before the checkpoint: no step is ever lost
                    }
                    if (checkpointDirectory != null && (step % checkpointEvery == 0 || step == total)) {
                        StageCheckpoint.write(checkpointDirectory, name, step, pos, pairs.size(),
                                config.batch().seed(), startFingerprint, metrics, policy, optimizer, objective, ref);
                    }
                    for (TrainingListener l : listeners) {
                        l.onStep(metrics);
                    }
                }
            } finally {
                policy.setTrainable(false);
            }
        }
        StepMetrics last = history.last() != null ? history.last() : lastDone;
        StageResult result = new StageResult(name, total, history.count(), history.toList(), last,
                (System.nanoTime() - started) / 1e9);
        for (TrainingListener l : listeners) {
            l.onStageEnd(result);
        }
        return result;
    }

    private JsonLinesLog openMetricsLog(long stepsDone) {
        JsonLinesLog log = JsonLinesLog.open(metricsFile, stepsDone == 0 ? -1 : stepsDone);
        List<Long> kept = log.keptSteps();
        boolean complete = kept.size() == stepsDone;
        for (int i = 0; complete && i < kept.size(); i++) {
            complete = kept.get(i) == i + 1;
        }
        if (!complete) {
            LOG.warn("Metrics log {} of stage '{}' holds {} lines for steps 1..{}, not one per step in order; it"
                    + " continues with step {}", metricsFile, name, kept.size(), stepsDone, stepsDone + 1);
        }
        return log;
    }

    /** One line of the metrics log: stage, step, epoch, then every other metric in order. */
    private static ObjectNode metricsLine(StepMetrics metrics) {
        ObjectNode line = JsonLinesLog.line();
        line.put("stage", metrics.stage());
        line.put("step", metrics.step());
        line.put("epoch", metrics.epoch());
        Map<String, Double> rest = new LinkedHashMap<>(metrics.metrics());
        rest.remove(StepMetrics.STEP);
        rest.remove(StepMetrics.EPOCH);
        return JsonLinesLog.putMetrics(line, rest);
    }

    /** CRC32 of every parameter's name and native-order float bytes, as 8 hex digits. */
    private static String weightsFingerprint(CausalLm model) {
        CRC32 crc = new CRC32();
        for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
            crc.update(p.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            crc.update(p.getValue().toByteBuffer());
        }
        return String.format("%08x", crc.getValue());
    }

    private StepMetrics step(ObjectiveRunner runner, NDManager base, long step, BatchPosition pos, long started) {
        long stepStart = System.nanoTime();
        List<TokenizedPair> batchPairs = loader.pairs(pos);
        List<List<TokenizedPair>> micro = new ArrayList<>();
        for (int from = 0; from < batchPairs.size(); from += config.microBatchSize()) {
            micro.add(batchPairs.subList(from, Math.min(batchPairs.size(), from + config.microBatchSize())));
        }
        MetricAverager averager = new MetricAverager();
        long tokens = 0;
        Gradients.zero(policy.parameters());
        try (NDManager stepManager = base.newSubManager()) {
            List<PreferenceBatch> batches = new ArrayList<>();
            for (List<TokenizedPair> rows : micro) {
                batches.add(collator.collate(rows, stepManager));
            }
            Map<Normalization, Double> totals = ObjectiveRunner.totals(batches);
            for (int k = 0; k < batches.size(); k++) {
                List<TokenizedPair> rows = micro.get(k);
                try (NDScope scope = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    scope.suppressNotUsedWarning();
                    ObjectiveOutput out = runner.compute(batches.get(k), rows, "stage '" + name + "' step " + step
                            + " (epoch " + pos.epoch() + ", batch " + pos.batch() + ", micro-batch " + (k + 1) + " of "
                            + batches.size() + ")");
                    NDArray loss = out.accumulationLoss(totals); // this micro-batch's share of the batch loss
                    double value = loss.getFloat();
                    if (!Double.isFinite(value)) {
                        throw new AlloException("stage '" + name + "': loss is " + value + " at step " + step
                                + " (epoch " + pos.epoch() + ", batch " + pos.batch() + ", micro-batch " + (k + 1)
                                + " of " + batches.size() + ", pairs " + indices(rows) + "); the weights were not"
                                + " updated by this step");
                    }
                    collector.backward(loss);
                    if (checkpointed != null) {
                        head.backward(collector); // the head chunk by chunk, recomputed
                        checkpointed.backward(collector); // the blocks' segments, recomputed
                    }
                    averager.add(out.metrics(), value, rows);
                } finally {
                    if (checkpointed != null) {
                        head.discard(); // the kept hidden states of a micro-batch that failed
                        checkpointed.discard(); // the kept block inputs of a micro-batch that failed
                    }
                }
                tokens += runner.forwardTokens(rows);
            }
        }
        double maxGradient = Gradients.maxAbs(policy.parameters());
        if (!Double.isFinite(maxGradient)) {
            throw new AlloException("stage '" + name + "': gradient has a " + maxGradient + " entry at step " + step
                    + " (epoch " + pos.epoch() + ", batch " + pos.batch() + "); the weights were not updated by this"
                    + " step");
        }
        StepResult result = optimizer.step(policy.parameters());
        if (!Double.isFinite(result.gradientNorm())) {
            throw new AlloException("stage '" + name + "': gradient norm is " + result.gradientNorm() + " at step "
                    + step + " (epoch " + pos.epoch() + ", batch " + pos.batch() + ")");
        }
        long now = System.nanoTime();
        Map<String, Double> metrics = new LinkedHashMap<>(averager.result());
        metrics.put(StepMetrics.LEARNING_RATE, result.learningRate());
        metrics.put(StepMetrics.GRAD_NORM, result.gradientNorm());
        metrics.put(StepMetrics.TOKENS_PER_SECOND, tokens / Math.max(1e-9, (now - stepStart) / 1e9));
        metrics.put(StepMetrics.ELAPSED_SECONDS, (now - started) / 1e9);
        metrics.put(StepMetrics.STEP, (double) step);
        metrics.put(StepMetrics.EPOCH, (double) pos.epoch());
        return new StepMetrics(name, step, pos.epoch(), metrics);
    }

    private static List<Long> indices(List<TokenizedPair> rows) {
        List<Long> out = new ArrayList<>();
        for (TokenizedPair p : rows) {
            out.add(p.index());
        }
        return out;
    }

    /** Collects the parts of a stage; {@link #build()} validates them. */
    public static final class Builder {
        private String name = "stage";
        private CausalLm policy;
        private PreferenceObjective objective;
        private MaskedOptimizer optimizer;
        private List<TokenizedPair> pairs;
        private LoopConfig config;
        private int padId;
        private ReferenceLogProbs reference;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private Path checkpointDirectory;
        private long checkpointEvery;
        private Path metricsFile;
        private boolean checkStart;
        private boolean gradientCheckpointing;

        private Builder() {}

        /**
         * Gradient checkpointing per decoder block ({@link CheckpointedDecoder}) and of the output head
         * ({@link RecomputedHead}): the training forward pass keeps only each block's input and the head's per-token
         * log-probs, and the backward pass recomputes each block, and the head one chunk of positions at a time,
         * trading one more forward pass of the blocks and the head for the activations of all but one block and the
         * log-softmax of all but one chunk. The gradients equal those without it up to float rounding. Off by default; the policy must then be a {@code DecoderModel}.
         *
         * @param value whether to checkpoint
         * @return this builder
         */
        public Builder gradientCheckpointing(boolean value) {
            this.gradientCheckpointing = value;
            return this;
        }

        /**
         * Writes a checkpoint to {@code directory} (replacing the previous one, atomically, see
         * {@link StageCheckpoint}) every {@code everySteps} optimiser steps and after the last step, after the
         * step's metrics line and before the listeners hear of the step; off by default.
         *
         * @param directory the checkpoint directory
         * @param everySteps the interval, at least 1
         * @return this builder
         */
        public Builder checkpoints(Path directory, long everySteps) {
            if (everySteps < 1) {
                throw new IllegalArgumentException("everySteps must be >= 1, got " + everySteps);
            }
            this.checkpointDirectory = Objects.requireNonNull(directory, "directory");
            this.checkpointEvery = everySteps;
            return this;
        }

        /**
         * Writes every step's metrics as one JSON line ({@code stage}, {@code step}, {@code epoch}, then every other
         * metric of {@link StepMetrics} in order; non-finite values as strings such as {@code "NaN"}) to
         * {@code file}, flushed before the step's checkpoint is written, so that after any sequence of kills and
         * resumes the file holds exactly one line per step taken ({@link JsonLinesLog}: {@link #run} starts it
         * anew, {@link #resume} keeps the lines up to the checkpoint's step). Off by default.
         *
         * @param file the JSON-lines file
         * @return this builder
         */
        public Builder metricsLog(Path file) {
            this.metricsFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Records a fingerprint of the policy's weights at the stage start in every checkpoint, and makes
         * {@link #resume} refuse a policy whose weights before the restore differ from them: for callers that still
         * need the starting weights after the stage, such as the weight-delta importance {@code |theta' - theta|}.
         * Off by default (then any model of the right shapes can be resumed into).
         *
         * @return this builder
         */
        public Builder requireSameStart() {
            this.checkStart = true;
            return this;
        }

        /**
         * The stage's name, used in metrics and messages; default {@code "stage"}.
         *
         * @param value the name
         * @return this builder
         */
        public Builder name(String value) {
            this.name = Objects.requireNonNull(value, "name");
            return this;
        }

        /**
         * The model to train, in place (required). Its trainable flag is switched on for the stage and off after.
         *
         * @param value the policy
         * @return this builder
         */
        public Builder policy(CausalLm value) {
            this.policy = value;
            return this;
        }

        /**
         * The loss (required).
         *
         * @param value the objective
         * @return this builder
         */
        public Builder objective(PreferenceObjective value) {
            this.objective = value;
            return this;
        }

        /**
         * The optimiser over the policy's parameters, with its fixed mask (required).
         *
         * @param value the optimiser
         * @return this builder
         */
        public Builder optimizer(MaskedOptimizer value) {
            this.optimizer = value;
            return this;
        }

        /**
         * The training pairs (required, not empty, distinct indices), with their token weights.
         *
         * @param value the pairs
         * @return this builder
         */
        public Builder pairs(List<TokenizedPair> value) {
            this.pairs = value;
            return this;
        }

        /**
         * Batch, micro-batch, epochs and step limit (required).
         *
         * @param value the config
         * @return this builder
         */
        public Builder config(LoopConfig value) {
            this.config = value;
            return this;
        }

        /**
         * The id written into padding positions (masked out; any valid id works); default 0.
         *
         * @param value the id, at least 0
         * @return this builder
         */
        public Builder padId(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("padId must be >= 0, got " + value);
            }
            this.padId = value;
            return this;
        }

        /**
         * Reference log-probs computed beforehand (for example by {@link ReferenceCache#getOrCompute}); optional:
         * by default they are computed from the policy at the start of the stage when the objective needs them.
         *
         * @param value the reference log-probs, covering every pair
         * @return this builder
         */
        public Builder reference(ReferenceLogProbs value) {
            this.reference = value;
            return this;
        }

        /**
         * Adds a listener.
         *
         * @param value the listener
         * @return this builder
         */
        public Builder listener(TrainingListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /**
         * Validates the parts and builds the trainer.
         *
         * @return the trainer
         * @throws NullPointerException if a required part is missing
         * @throws IllegalArgumentException if there are no pairs, the optimiser's mask does not match the policy, or
         *     gradient checkpointing is asked for a policy that is not a {@code DecoderModel}
         */
        public StageTrainer build() {
            return new StageTrainer(this);
        }
    }
}
