package dev.allo.pipeline;

import dev.allo.objective.ObjectiveConfig;

/**
 * ALLO stage 1, unaligned-knowledge forgetting (Sec. 4.2): token-level NPO, Eq. (7), on the rejected tokens the
 * token rewards mark ({@code r_j}, Eq. 5), updating only the top-{@code k1} neurons {@code N1}.
 *
 * @param neuronRatio {@code k1}, the fraction of weights in {@code N1}, in {@code (0, 1]}; default 0.05 (Table 5)
 * @param threshold {@code u} of Eq. (5), in {@code (0, 1]}; default 0.95 (Table 5)
 * @param beta {@code beta} of Eq. (7), {@code > 0}; default 0.1 (Table 5)
 * @param rewards where {@code r_j} comes from; default {@link TokenRewards#REWRITER} (the paper's)
 * @param training optimiser, learning rate (default {@code 1e-7}, Table 5), batch sizes, epochs
 */
public record ForgetConfig(double neuronRatio, double threshold, double beta, TokenRewards rewards,
        TrainingConfig training) {

    /**
     * Validates the config (the objective and mask records check their own ranges too).
     *
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public ForgetConfig {
        stage(neuronRatio, threshold, beta, rewards, training);
    }

    /**
     * Table 5's question-answering settings.
     *
     * @return the config
     */
    public static ForgetConfig defaults() {
        return new ForgetConfig(0.05, StageConfig.DEFAULT_THRESHOLD, ObjectiveConfig.DEFAULT_BETA,
                TokenRewards.REWRITER, TrainingConfig.defaults().withLearningRate(1e-7));
    }

    /**
     * This stage as a generic stage: {@code TokenNpo(beta)} on {@code MaskRule.topK(neuronRatio)}.
     *
     * @return the stage
     */
    public StageConfig toStage() {
        return stage(neuronRatio, threshold, beta, rewards, training);
    }

    private static StageConfig stage(double neuronRatio, double threshold, double beta, TokenRewards rewards,
            TrainingConfig training) {
        return new StageConfig("forget", new ObjectiveConfig.TokenNpo(beta), MaskRule.topK(neuronRatio), rewards,
                threshold, training);
    }

    /**
     * A copy with another {@code k1}.
     *
     * @param ratio the neuron ratio
     * @return the copy
     */
    public ForgetConfig withNeuronRatio(double ratio) {
        return new ForgetConfig(ratio, threshold, beta, rewards, training);
    }

    /**
     * A copy with another reward source.
     *
     * @param source the token rewards
     * @return the copy
     */
    public ForgetConfig withRewards(TokenRewards source) {
        return new ForgetConfig(neuronRatio, threshold, beta, source, training);
    }

    /**
     * A copy with another training config.
     *
     * @param value the training config
     * @return the copy
     */
    public ForgetConfig withTraining(TrainingConfig value) {
        return new ForgetConfig(neuronRatio, threshold, beta, rewards, value);
    }
}
