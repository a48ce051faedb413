package dev.allo.impl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.allo.AlloException;
import dev.allo.data.BatchPosition;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.data.PreferenceLoader;
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
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * the step's {@link StepMetrics}. Gradients are zeroed before every step.
 *
 * <p>A NaN or infinite loss or gradient stops the stage with an {@link AlloException} naming the step, micro-batch
 * and value, before the optimiser touches the weights.
 *
 * <p>Reproducible: the data order depends only on the batch config's seed, and the loop draws no other random
 * numbers, so the same inputs on the same device give bit-identical weights. Memory stays flat: every per-step
 * array lives in a per-step manager or scope.
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
    private final java.nio.file.Path checkpointDirectory;
    private final long checkpointEvery;
    private ReferenceLogProbs reference;

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
        optimizer.mask().checkMatches(policy.parameters());
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
        return runFrom(0, BatchPosition.START);
    }

    /**
     * Continues a stage from a checkpoint written by a run of this stage (same pairs, batch config and optimiser
     * kind and mask; see {@link Builder#checkpoints}): restores the policy's weights in place, the optimiser's and
     * the objective's state, the data position and the reference log-probs, then runs the remaining steps. On CPU
     * the final weights equal those of an uninterrupted run bit for bit.
     *
     * @param checkpoint the checkpoint directory
     * @return what this call did; {@link StageResult#history()} holds the steps run after the checkpoint
     * @throws AlloException if the checkpoint cannot be read
     * @throws IllegalArgumentException if it belongs to other data, another seed, mask or optimiser
     */
    public StageResult resume(java.nio.file.Path checkpoint) {
        StageCheckpoint.State state = StageCheckpoint.readState(checkpoint);
        if (state.pairs() != pairs.size() || state.dataSeed() != config.batch().seed()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " belongs to a run with " + state.pairs()
                    + " pairs and data seed " + state.dataSeed() + ", this stage has " + pairs.size()
                    + " pairs and seed " + config.batch().seed());
        }
        if (state.step() > totalSteps()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " is at step " + state.step()
                    + ", past this stage's last step " + totalSteps());
        }
        ReferenceLogProbs restored = StageCheckpoint.restore(checkpoint, state, policy, optimizer, objective);
        if (objective.requiresReference() && restored == null) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " holds no reference log-probs, but"
                    + " objective " + objective.name() + " needs them");
        }
        reference = restored;
        return runFrom(state.step(), state.position());
    }

    /** Runs from {@code stepsDone} steps taken, the next batch at {@code position}, the optimiser in that state. */
    private StageResult runFrom(long stepsDone, BatchPosition position) {
        long started = System.nanoTime();
        ReferenceLogProbs ref = reference();
        ObjectiveRunner runner = new ObjectiveRunner(policy, objective, ref, logProbs);
        long total = totalSteps();
        for (TrainingListener l : listeners) {
            l.onStageStart(new StageStart(name, pairs.size(), stepsPerEpoch(), total, stepsDone));
        }
        List<StepMetrics> history = new ArrayList<>();
        policy.setTrainable(true);
        try (NDManager base = NDManager.newBaseManager(policy.device())) {
            BatchPosition pos = position;
            for (long step = stepsDone + 1; step <= total; step++) {
                StepMetrics metrics = step(runner, base, step, pos, started);
                pos = pos.next(stepsPerEpoch());
                history.add(metrics);
                if (checkpointDirectory != null && (step % checkpointEvery == 0 || step == total)) {
                    StageCheckpoint.write(checkpointDirectory, name, step, pos, pairs.size(), config.batch().seed(),
                            policy, optimizer, objective, ref);
                }
                for (TrainingListener l : listeners) {
                    l.onStep(metrics);
                }
            }
        } finally {
            policy.setTrainable(false);
        }
        StageResult result = new StageResult(name, total, history, (System.nanoTime() - started) / 1e9);
        for (TrainingListener l : listeners) {
            l.onStageEnd(result);
        }
        return result;
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
                    averager.add(out.metrics(), value, rows);
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
        private java.nio.file.Path checkpointDirectory;
        private long checkpointEvery;

        private Builder() {}

        /**
         * Writes a checkpoint to {@code directory} (replacing the previous one, atomically) every {@code everySteps}
         * optimiser steps and after the last step, before the listeners hear of the step; off by default.
         *
         * @param directory the checkpoint directory
         * @param everySteps the interval, at least 1
         * @return this builder
         */
        public Builder checkpoints(java.nio.file.Path directory, long everySteps) {
            if (everySteps < 1) {
                throw new IllegalArgumentException("everySteps must be >= 1, got " + everySteps);
            }
            this.checkpointDirectory = Objects.requireNonNull(directory, "directory");
            this.checkpointEvery = everySteps;
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
         * @throws IllegalArgumentException if there are no pairs or the optimiser's mask does not match the policy
         */
        public StageTrainer build() {
            return new StageTrainer(this);
        }
    }
}
