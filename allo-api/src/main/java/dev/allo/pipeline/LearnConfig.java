package dev.allo.pipeline;

import dev.allo.objective.ObjectiveConfig;

/**
 * ALLO stage 2, alignment improving (Sec. 4.3): token-weighted DPO, Eq. (9), where the noisy-token filter of
 * Eq. (8) drops the top-{@code v} fraction of each rejected response's tokens by log-ratio, updating only the
 * top-{@code k2} neurons {@code N2}.
 *
 * @param neuronRatio {@code k2}, the fraction of weights in {@code N2}, in {@code (0, 1]}; default 0.10 (Table 5)
 * @param noisyTokenRatio {@code v} of Eq. (8), in {@code [0, 1]}; default 0.20 (Table 5)
 * @param beta {@code beta} of Eq. (9), {@code > 0}; default 0.1 (Table 5)
 * @param training optimiser, learning rate (default {@code 5e-6}, Table 5), batch sizes, epochs
 */
public record LearnConfig(double neuronRatio, double noisyTokenRatio, double beta, TrainingConfig training) {

    /**
     * Validates the config.
     *
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public LearnConfig {
        stage(neuronRatio, noisyTokenRatio, beta, training);
    }

    /**
     * Table 5's question-answering settings.
     *
     * @return the config
     */
    public static LearnConfig defaults() {
        return new LearnConfig(0.10, 0.20, ObjectiveConfig.DEFAULT_BETA, TrainingConfig.defaults());
    }

    /**
     * This stage as a generic stage: {@code TokenDpo(beta, v)} on {@code MaskRule.topK(neuronRatio)}, unweighted
     * rejected tokens apart from the filter.
     *
     * @return the stage
     */
    public StageConfig toStage() {
        return stage(neuronRatio, noisyTokenRatio, beta, training);
    }

    private static StageConfig stage(double neuronRatio, double noisyTokenRatio, double beta,
            TrainingConfig training) {
        return new StageConfig("learn", new ObjectiveConfig.TokenDpo(beta, noisyTokenRatio),
                MaskRule.topK(neuronRatio), TokenRewards.NONE, StageConfig.DEFAULT_THRESHOLD, training);
    }

    /**
     * A copy with another {@code k2}.
     *
     * @param ratio the neuron ratio
     * @return the copy
     */
    public LearnConfig withNeuronRatio(double ratio) {
        return new LearnConfig(ratio, noisyTokenRatio, beta, training);
    }

    /**
     * A copy with another {@code v}.
     *
     * @param ratio the noisy-token ratio
     * @return the copy
     */
    public LearnConfig withNoisyTokenRatio(double ratio) {
        return new LearnConfig(neuronRatio, ratio, beta, training);
    }

    /**
     * A copy with another training config.
     *
     * @param value the training config
     * @return the copy
     */
    public LearnConfig withTraining(TrainingConfig value) {
        return new LearnConfig(neuronRatio, noisyTokenRatio, beta, value);
    }
}
