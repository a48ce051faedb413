package dev.allo.importance;

import dev.allo.model.CausalLm;

/**
 * Estimates how important each scalar weight of a model is for the alignment data (ALLO Sec. 4.1, "locating key
 * neurons"). The scores feed a {@link dev.allo.mask.MaskSelector}, which picks the key neurons.
 *
 * <p>Implementations (in {@code allo-impl}):
 * <ul>
 *   <li>weight delta, Eq. (4): warm up a copy of the model with {@link ImportanceContext#warmUp(CausalLm)} (one
 *       epoch of full-parameter DPO by default; SFT or NPO for the paper's Figure 3) and score
 *       {@code I_i = |theta'_i - theta_i|} (dividing by the learning rate {@code alpha} does not change the ranking);
 *   <li>accumulated gradient: {@link ImportanceContext#accumulateGradients(CausalLm)} and score
 *       {@code I_i = |sum_d dL(d)/dtheta_i|}, without a weight update (the paper's Figure 1);
 *   <li>random scores, the ablation baseline (needs no data: use {@link ImportanceContext#none()}).
 * </ul>
 *
 * <p>Contract: the returned scores have one float32 tensor per entry of {@code model.parameters()}, same names,
 * order and shapes, on {@code model.device()}; the model's weights are unchanged when the method returns.
 */
@FunctionalInterface
public interface ImportanceEstimator {

    /**
     * Scores every scalar weight of the model.
     *
     * @param model the model whose parameters are scored; left unchanged
     * @param context the data-dependent operations the estimator may need (warm-up training, gradient accumulation)
     * @return scores for every parameter tensor; the caller closes them
     * @throws IllegalStateException if the estimator needs an operation the context does not provide
     */
    ImportanceScores estimate(CausalLm model, ImportanceContext context);
}
