package dev.allo.impl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.importance.ImportanceContext;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.train.LoopConfig;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@link ImportanceContext} of the training loop (ALLO Sec. 4.1): the warm-up is one {@link StageTrainer} stage
 * of full-parameter training ({@link NeuronMask#all}, {@link SparseAdamW} with the given {@link AdamWConfig}) under
 * an objective, DPO (Eq. 2) by default, or SFT / NPO for the paper's Figure 3, with the model's own starting weights
 * as the reference; gradient accumulation is one pass over the pairs, {@code microBatchSize} at a time in list order,
 * back-propagating each micro-batch's own loss (its mean, as the objective normalises it) into the same gradients,
 * with no update, so afterwards every gradient holds {@code sum over micro-batches of dL(d)/dtheta}. The reference of
 * an objective that needs one is the model being scored (so every {@code rho_j} is 0 and the DPO gradient is
 * {@code -beta/2 * dh/dtheta}).
 *
 * <pre>{@code
 * ImportanceContext context = TrainingImportanceContext.builder(pairs)
 *     .objective(ObjectiveConfig.Dpo.defaults()).optimizer(AdamWConfig.defaults())
 *     .config(LoopConfig.of(8, 4, 1)).padId(padId).build();
 * ImportanceScores scores = new WeightDeltaImportanceEstimator().estimate(model, context);
 * }</pre>
 */
public final class TrainingImportanceContext implements ImportanceContext {
    private final List<TokenizedPair> pairs;
    private final ObjectiveConfig objective;
    private final AdamWConfig optimizer;
    private final LoopConfig config;
    private final int padId;
    private final List<TrainingListener> listeners;
    private final Path checkpointDirectory;
    private final long checkpointEvery;
    private final boolean gradientCheckpointing;

    private TrainingImportanceContext(Builder b) {
        if (b.pairs.isEmpty()) {
            throw new IllegalArgumentException("an importance context needs at least one pair, got none");
        }
        this.pairs = List.copyOf(b.pairs);
        this.objective = b.objective;
        this.optimizer = b.optimizer;
        this.config = b.config;
        this.padId = b.padId;
        this.listeners = List.copyOf(b.listeners);
        this.checkpointDirectory = b.checkpointDirectory;
        this.checkpointEvery = b.checkpointEvery;
        this.gradientCheckpointing = b.gradientCheckpointing;
    }

    /**
     * Starts a builder with DPO ({@code beta = 0.1}), {@link AdamWConfig#defaults()}, and one epoch of batches of 8
     * pairs in micro-batches of 8 ({@code LoopConfig.of(8, 8, 1)}), pad id 0.
     *
     * @param pairs the preference pairs
     * @return the builder
     */
    public static Builder builder(List<TokenizedPair> pairs) {
        return new Builder(pairs);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs one {@link StageTrainer} stage named {@code "warm-up"} with the configured objective, a fresh
     * {@link SparseAdamW} over every scalar, and reference log-probs computed from {@code model} before its first
     * step.
     *
     * <p>With {@link Builder#checkpoints}, the warm-up writes stage checkpoints and continues from the newest
     * complete one found there ({@link StageCheckpoint#recover}) instead of starting over; a checkpoint of its last
     * step makes the warm-up a restore of the warmed-up weights. The checkpoints record a fingerprint of the
     * starting weights, and a resume refuses a {@code model} whose weights differ from them
     * ({@link StageTrainer.Builder#requireSameStart}), so an estimator that compares the warmed-up weights with the
     * starting ones ({@code |theta' - theta|}) gets the same scores as without the kill.
     */
    @Override
    public void warmUp(CausalLm model) {
        try (SparseAdamW adamW = new SparseAdamW(optimizer, NeuronMask.all(NeuronMask.shapesOf(model.parameters())),
                model.parameters())) {
            StageTrainer.Builder b = StageTrainer.builder().name("warm-up").policy(model)
                    .objective(PreferenceObjective.of(objective)).optimizer(adamW).pairs(pairs).config(config)
                    .padId(padId).gradientCheckpointing(gradientCheckpointing);
            listeners.forEach(b::listener);
            if (checkpointDirectory == null) {
                b.build().run();
                return;
            }
            StageTrainer trainer = b.checkpoints(checkpointDirectory, checkpointEvery).requireSameStart().build();
            if (StageCheckpoint.recover(checkpointDirectory).isPresent()) {
                trainer.resume(checkpointDirectory);
            } else {
                trainer.run();
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Leaves the model trainable, so the gradients stay readable.
     */
    @Override
    public void accumulateGradients(CausalLm model) {
        PreferenceObjective loss = PreferenceObjective.of(objective);
        TokenLogProbs logProbs = config.logProbChunkSize() == 0 ? TokenLogProbs.unchunked()
                : TokenLogProbs.chunked(config.logProbChunkSize());
        ReferenceLogProbs reference = loss.requiresReference() ? ReferenceLogProbs.compute(model, pairs,
                config.referenceBatchSize(), logProbs, padId, "accumulate-gradients") : null;
        ObjectiveRunner runner = new ObjectiveRunner(model, loss, reference, logProbs);
        PreferenceCollator collator = new PreferenceCollator(config.batch().paddingSide(),
                config.batch().padToMultipleOf(), padId);
        model.setTrainable(true);
        Gradients.zero(model.parameters());
        try (NDManager manager = NDManager.newBaseManager(model.device())) {
            for (int from = 0; from < pairs.size(); from += config.microBatchSize()) {
                List<TokenizedPair> rows = pairs.subList(from, Math.min(pairs.size(), from + config.microBatchSize()));
                try (NDManager batchManager = manager.newSubManager(); NDScope scope = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    scope.suppressNotUsedWarning();
                    PreferenceBatch batch = collator.collate(rows, batchManager);
                    ObjectiveOutput out = runner.compute(batch, rows, "gradient accumulation, pairs " + from + ".."
                            + (from + rows.size() - 1));
                    collector.backward(out.loss()); // L(d): this micro-batch's own normalisation
                }
            }
        }
    }

    /** Collects the context's parts. */
    public static final class Builder {
        private final List<TokenizedPair> pairs;
        private ObjectiveConfig objective = ObjectiveConfig.Dpo.defaults();
        private AdamWConfig optimizer = AdamWConfig.defaults();
        private LoopConfig config = LoopConfig.of(8, 8, 1);
        private int padId;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private Path checkpointDirectory;
        private long checkpointEvery;
        private boolean gradientCheckpointing;

        private Builder(List<TokenizedPair> pairs) {
            this.pairs = new ArrayList<>(Objects.requireNonNull(pairs, "pairs"));
        }

        /**
         * The warm-up and gradient objective; default DPO with {@code beta = 0.1} (Eq. 2); SFT or NPO for Figure 3.
         *
         * @param value the objective
         * @return this builder
         */
        public Builder objective(ObjectiveConfig value) {
            this.objective = Objects.requireNonNull(value, "objective");
            return this;
        }

        /**
         * The warm-up's AdamW hyper-parameters and schedule; default {@link AdamWConfig#defaults()}.
         *
         * @param value the optimiser config
         * @return this builder
         */
        public Builder optimizer(AdamWConfig value) {
            this.optimizer = Objects.requireNonNull(value, "optimizer");
            return this;
        }

        /**
         * Gradient checkpointing per decoder block in the warm-up ({@link StageTrainer.Builder#gradientCheckpointing});
         * off by default.
         *
         * @param value whether to checkpoint
         * @return this builder
         */
        public Builder gradientCheckpointing(boolean value) {
            this.gradientCheckpointing = value;
            return this;
        }

        /**
         * Batching of the warm-up (one epoch in the paper) and micro-batch size of gradient accumulation.
         *
         * @param value the config
         * @return this builder
         */
        public Builder config(LoopConfig value) {
            this.config = Objects.requireNonNull(value, "config");
            return this;
        }

        /**
         * The padding id; default 0.
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
         * Makes the warm-up resumable: it writes a stage checkpoint to {@code directory} every {@code everySteps}
         * steps and after its last step, and {@link #warmUp} continues from a checkpoint found there (see
         * {@link TrainingImportanceContext#warmUp}). Off by default. Give a directory of this warm-up only; delete it
         * to start the warm-up over. Such a context serves one warm-up: a later {@code warmUp} of the same starting
         * weights restores the finished warm-up, one of other weights is refused.
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
         * Adds a listener to the warm-up stage.
         *
         * @param value the listener
         * @return this builder
         */
        public Builder listener(TrainingListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /**
         * Builds the context.
         *
         * @return the context
         * @throws IllegalArgumentException if there are no pairs
         */
        public TrainingImportanceContext build() {
            return new TrainingImportanceContext(this);
        }
    }
}
