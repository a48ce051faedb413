package dev.allo.pipeline;

import dev.allo.objective.ObjectiveConfig;

/**
 * One optimisation stage: an objective, trained on the weights a mask allows, with optional per-token weights.
 * ALLO is two of these after the locate stage ({@link ForgetConfig#toStage()}, {@link LearnConfig#toStage()});
 * plain DPO, IPO, SimPO, NPO or SFT is one with {@link MaskRule#all()}.
 *
 * <p>Each stage's reference model is the stage's own starting model (ALLO: the SFT model for forgetting, the
 * forgetting stage's output for learning); its log-probabilities are computed once before training.
 *
 * @param name a short name for logs, metrics and output folders (letters, digits, {@code -} and {@code _})
 * @param objective the loss
 * @param mask which weights may change
 * @param rewards where the rejected tokens' weights come from
 * @param rewardThreshold {@code u} of Eq. (5) for {@link TokenRewards#REWRITER}, in {@code (0, 1]}; default 0.95
 * @param training how the stage optimises
 * @param lora train LoRA adapters instead of the weights ({@link LoraSettings}); {@code null} (the default) trains
 *     the weights the mask selects
 */
public record StageConfig(String name, ObjectiveConfig objective, MaskRule mask, TokenRewards rewards,
        double rewardThreshold, TrainingConfig training, LoraSettings lora) {

    /** Default {@code u} of Eq. (5) (Table 5). */
    public static final double DEFAULT_THRESHOLD = 0.95;

    /**
     * Validates the stage.
     *
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public StageConfig {
        if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("stage name must be non-empty letters, digits, '-' or '_', got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        if (objective == null) {
            throw new IllegalArgumentException("stage '" + name + "': objective must be set");
        }
        if (mask == null) {
            throw new IllegalArgumentException("stage '" + name + "': mask must be set");
        }
        if (rewards == null) {
            throw new IllegalArgumentException("stage '" + name + "': rewards must be set");
        }
        if (!(rewardThreshold > 0 && rewardThreshold <= 1)) {
            throw new IllegalArgumentException("stage '" + name + "': rewardThreshold must be in (0, 1], got "
                    + rewardThreshold);
        }
        if (training == null) {
            throw new IllegalArgumentException("stage '" + name + "': training must be set");
        }
        if (lora != null && mask.kind() != MaskRule.Kind.ALL) {
            throw new IllegalArgumentException("stage '" + name + "': a LoRA stage trains every adapter weight and no"
                    + " model weight, so its mask must be ALL, got " + mask.kind());
        }
    }

    /**
     * A stage that trains the model's weights (no LoRA).
     *
     * @param name the stage name
     * @param objective the loss
     * @param mask which weights may change
     * @param rewards where the rejected tokens' weights come from
     * @param rewardThreshold {@code u} of Eq. (5)
     * @param training how the stage optimises
     */
    public StageConfig(String name, ObjectiveConfig objective, MaskRule mask, TokenRewards rewards,
            double rewardThreshold, TrainingConfig training) {
        this(name, objective, mask, rewards, rewardThreshold, training, null);
    }

    /**
     * A full-parameter stage with unweighted tokens: plain DPO, IPO, SimPO, NPO, SFT, ...
     *
     * @param name the stage name
     * @param objective the objective
     * @param training the training config
     * @return the stage
     */
    public static StageConfig of(String name, ObjectiveConfig objective, TrainingConfig training) {
        return new StageConfig(name, objective, MaskRule.all(), TokenRewards.NONE, DEFAULT_THRESHOLD, training);
    }

    /**
     * A copy restricted to another mask.
     *
     * @param rule the mask rule
     * @return the copy
     */
    public StageConfig withMask(MaskRule rule) {
        return new StageConfig(name, objective, rule, rewards, rewardThreshold, training, lora);
    }

    /**
     * A copy with other token rewards.
     *
     * @param source where the weights come from
     * @return the copy
     */
    public StageConfig withRewards(TokenRewards source) {
        return new StageConfig(name, objective, mask, source, rewardThreshold, training, lora);
    }

    /**
     * A copy that trains LoRA adapters (or, with {@code null}, the weights again).
     *
     * @param settings the adapters' settings, or {@code null}
     * @return the copy
     */
    public StageConfig withLora(LoraSettings settings) {
        return new StageConfig(name, objective, mask, rewards, rewardThreshold, training, settings);
    }
}
