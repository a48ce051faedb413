package dev.allo.pipeline;

import dev.allo.objective.ObjectiveConfig;

/**
 * Stage 0 of ALLO, locating key neurons (Sec. 4.1): how each scalar weight's importance is estimated. The stages
 * that follow select their masks from these scores with their own ratios ({@link MaskRule}).
 *
 * @param method the importance estimator; default {@link Method#WEIGHT_DELTA} (Eq. 4)
 * @param warmUpObjective the objective of the warm-up (weight delta) or of the accumulated gradient; default DPO,
 *     Eq. (2), with beta 0.1; SFT and NPO are the paper's Figure 3 alternatives
 * @param warmUp how the warm-up trains: one epoch of full-parameter training by default
 * @param seed the seed of {@link Method#RANDOM}
 */
public record LocateConfig(Method method, ObjectiveConfig warmUpObjective, TrainingConfig warmUp, long seed) {

    /** The stock importance estimators. */
    public enum Method {
        /** {@code I_i = |theta'_i - theta_i|} after a one-epoch warm-up of a copy of the model, Eq. (4). */
        WEIGHT_DELTA,
        /** {@code I_i = |sum_d dL(d)/dtheta_i|} without a weight update (the paper's Figure 1). */
        ACCUMULATED_GRADIENT,
        /** Seeded random scores (ablation baseline). */
        RANDOM
    }

    /**
     * Validates the config.
     *
     * @throws IllegalArgumentException if a field is missing
     */
    public LocateConfig {
        if (method == null) {
            throw new IllegalArgumentException("method must be set");
        }
        if (warmUpObjective == null) {
            throw new IllegalArgumentException("warmUpObjective must be set");
        }
        if (warmUp == null) {
            throw new IllegalArgumentException("warmUp must be set");
        }
    }

    /**
     * The paper's default: weight delta after one epoch of full-parameter DPO.
     *
     * @return the config
     */
    public static LocateConfig weightDelta() {
        return new LocateConfig(Method.WEIGHT_DELTA, ObjectiveConfig.Dpo.defaults(),
                TrainingConfig.defaults().withEpochs(1), 42);
    }

    /**
     * Accumulated gradients of DPO, without a weight update.
     *
     * @return the config
     */
    public static LocateConfig accumulatedGradient() {
        return new LocateConfig(Method.ACCUMULATED_GRADIENT, ObjectiveConfig.Dpo.defaults(),
                TrainingConfig.defaults().withEpochs(1), 42);
    }

    /**
     * Random scores.
     *
     * @param seed the seed
     * @return the config
     */
    public static LocateConfig random(long seed) {
        return new LocateConfig(Method.RANDOM, ObjectiveConfig.Dpo.defaults(), TrainingConfig.defaults(), seed);
    }

    /**
     * A copy with another warm-up objective (SFT or NPO for the paper's Figure 3).
     *
     * @param objective the objective
     * @return the copy
     */
    public LocateConfig withWarmUpObjective(ObjectiveConfig objective) {
        return new LocateConfig(method, objective, warmUp, seed);
    }

    /**
     * A copy with another warm-up training config.
     *
     * @param training the training config
     * @return the copy
     */
    public LocateConfig withWarmUp(TrainingConfig training) {
        return new LocateConfig(method, warmUpObjective, training, seed);
    }
}
