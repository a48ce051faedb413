package dev.allo.impl.ila;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.impl.train.StageTrainer;
import dev.allo.importance.ImportanceContext;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.train.LoopConfig;
import dev.allo.train.StageResult;
import dev.allo.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ILA ("Understanding Layer Significance in LLM Alignment", Shi et al. 2024): learns one gate per weight matrix and
 * ranks the matrices by it.
 *
 * <ol>
 *   <li>Updates {@code dW_l} from an {@link UpdateSource} (a LoRA warm-up, {@code (alpha / r) B A}; a full
 *       warm-up, {@code theta' - theta}; or given).
 *   <li>Gates: the model {@code W0_l + sigmoid(s_l) dW_l} ({@link IlaGatedModel}, {@code W0} and {@code dW}
 *       frozen), all {@code s_l} starting at {@link Builder#initialLogit} (default 0), trained by the
 *       {@link StageTrainer} with {@link SparseAdamW} on {@code NeuronMask.all} to minimise
 *       {@code L_task + lambda * sum_l sigmoid(s_l)} ({@link GatePenaltyObjective}; default task DPO with beta 0.1,
 *       lambda 0.01, AdamW lr 0.05 without weight decay, {@code LoopConfig.of(8, 8, 1)}). A task needing reference
 *       log-probs uses the base model {@code W0} as the reference.
 *   <li>Ranking: matrices by {@code s_l}, highest first ({@link LayerSignificance}).
 * </ol>
 *
 * <p>As an {@link ImportanceEstimator} (layer granularity): every scalar of gated matrix {@code l} scores
 * {@code s_l}; every other tensor (embeddings, norms, {@code lm_head}, and matrices without an update) scores
 * {@code -infinity} ({@link LayerSignificance#toScores}). The model must be a {@link DecoderModel}; it is unchanged.
 */
public final class IlaImportanceEstimator implements ImportanceEstimator {
    private final List<TokenizedPair> pairs;
    private final ObjectiveConfig objective;
    private final UpdateSource updates;
    private final double lambda;
    private final double initialLogit;
    private final AdamWConfig optimizer;
    private final LoopConfig config;
    private final int padId;
    private final List<TrainingListener> listeners;
    private StageResult lastGateStage;

    private IlaImportanceEstimator(Builder b) {
        this.pairs = List.copyOf(b.pairs);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("ILA needs at least one pair to learn the gates, got none");
        }
        this.objective = b.objective;
        this.updates = b.updates;
        this.lambda = b.lambda;
        this.initialLogit = b.initialLogit;
        this.optimizer = b.optimizer;
        this.config = b.config;
        this.padId = b.padId;
        this.listeners = List.copyOf(b.listeners);
    }

    /**
     * Starts a builder.
     *
     * @param pairs the pairs the gates are learned on
     * @return the builder
     */
    public static Builder builder(List<TokenizedPair> pairs) {
        return new Builder(pairs);
    }

    @Override
    public ImportanceScores estimate(CausalLm model, ImportanceContext context) {
        LayerSignificance significance = significance(requireLlama(model), context);
        return significance.toScores(NeuronMask.shapesOf(model.parameters()), model.device());
    }

    /**
     * Runs ILA and returns the learned significance of every gated matrix.
     *
     * @param model the base model; unchanged
     * @param context the warm-up training, for update sources that need it
     * @return the significance
     * @throws IllegalStateException if the update source needs a warm-up the context does not provide
     */
    public LayerSignificance significance(DecoderModel model, ImportanceContext context) {
        try (NDManager scratch = NDManager.newBaseManager(model.device())) {
            Map<String, NDArray> dw = updates.updates(model, context, scratch);
            try (IlaGatedModel gated = IlaGatedModel.create(model, dw, initialLogit)) {
                return learnGates(gated);
            }
        }
    }

    /**
     * Learns the gates of a gated model in place (step 2) and reads the ranking.
     *
     * @param gated the gated model
     * @return the significance after training
     */
    public LayerSignificance learnGates(IlaGatedModel gated) {
        PreferenceObjective task = PreferenceObjective.of(objective);
        TokenLogProbs logProbs = config.logProbChunkSize() == 0 ? TokenLogProbs.unchunked()
                : TokenLogProbs.chunked(config.logProbChunkSize());
        ReferenceLogProbs reference = task.requiresReference()
                ? ReferenceLogProbs.compute(gated.base(), pairs, config.referenceBatchSize(), logProbs, padId,
                        "ila-base-model")
                : null;
        try (SparseAdamW adam = new SparseAdamW(optimizer, NeuronMask.all(NeuronMask.shapesOf(gated.parameters())),
                gated.parameters())) {
            StageTrainer.Builder b = StageTrainer.builder().name("ila-gates").policy(gated)
                    .objective(new GatePenaltyObjective(task, gated, lambda)).optimizer(adam).pairs(pairs)
                    .config(config).padId(padId);
            if (reference != null) {
                b.reference(reference);
            }
            listeners.forEach(b::listener);
            lastGateStage = b.build().run();
        }
        return LayerSignificance.of(gated);
    }

    /**
     * The result of the last gate-training stage (per-step loss, {@code ila/gate_sum}, ...).
     *
     * @return the stage result, or null before the first run
     */
    public StageResult lastGateStage() {
        return lastGateStage;
    }

    private static DecoderModel requireLlama(CausalLm model) {
        if (!(model instanceof DecoderModel)) {
            throw new IllegalArgumentException("ILA needs a " + DecoderModel.class.getSimpleName() + ", got "
                    + model.getClass().getName());
        }
        return (DecoderModel) model;
    }

    /** Builder; every setting has the default given in the class documentation. */
    public static final class Builder {
        private final List<TokenizedPair> pairs;
        private ObjectiveConfig objective = ObjectiveConfig.Dpo.defaults();
        private UpdateSource updates = UpdateSource.fullWarmUp();
        private double lambda = 0.01;
        private double initialLogit = 0.0;
        private AdamWConfig optimizer = AdamWConfig.builder().learningRate(0.05).weightDecay(0).build();
        private LoopConfig config = LoopConfig.of(8, 8, 1);
        private int padId;
        private final List<TrainingListener> listeners = new ArrayList<>();

        private Builder(List<TokenizedPair> pairs) {
            this.pairs = Objects.requireNonNull(pairs, "pairs");
        }

        /**
         * The task loss (default DPO, beta 0.1).
         *
         * @param value the objective
         * @return this
         */
        public Builder objective(ObjectiveConfig value) {
            this.objective = Objects.requireNonNull(value, "objective");
            return this;
        }

        /**
         * Where {@code dW} comes from (default {@link UpdateSource#fullWarmUp()}).
         *
         * @param value the source
         * @return this
         */
        public Builder updates(UpdateSource value) {
            this.updates = Objects.requireNonNull(value, "updates");
            return this;
        }

        /**
         * The penalty coefficient {@code lambda} (default 0.01).
         *
         * @param value {@code >= 0}
         * @return this
         * @throws IllegalArgumentException if negative or not finite
         */
        public Builder lambda(double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("lambda must be finite and >= 0, got " + value);
            }
            this.lambda = value;
            return this;
        }

        /**
         * The starting gate logit {@code s_l} of every matrix (default 0, {@code gamma = 0.5}).
         *
         * @param value a finite value
         * @return this
         * @throws IllegalArgumentException if not finite
         */
        public Builder initialLogit(double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("initialLogit must be finite, got " + value);
            }
            this.initialLogit = value;
            return this;
        }

        /**
         * The gates' optimiser (default AdamW, lr 0.05, no weight decay).
         *
         * @param value the config
         * @return this
         */
        public Builder optimizer(AdamWConfig value) {
            this.optimizer = Objects.requireNonNull(value, "optimizer");
            return this;
        }

        /**
         * Batches and epochs of the gate training (default {@code LoopConfig.of(8, 8, 1)}).
         *
         * @param value the loop config
         * @return this
         */
        public Builder config(LoopConfig value) {
            this.config = Objects.requireNonNull(value, "config");
            return this;
        }

        /**
         * The padding id (default 0).
         *
         * @param value the id
         * @return this
         */
        public Builder padId(int value) {
            this.padId = value;
            return this;
        }

        /**
         * Adds a listener of the gate-training stage.
         *
         * @param value the listener
         * @return this
         */
        public Builder listener(TrainingListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /**
         * Builds the estimator.
         *
         * @return the estimator
         * @throws IllegalArgumentException if there are no pairs
         */
        public IlaImportanceEstimator build() {
            return new IlaImportanceEstimator(this);
        }
    }
}
