package dev.allo.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an objective returns for one micro-batch.
 *
 * <p>Metrics (TRL's names, so dashboards carry over), each a mean over this micro-batch:
 *
 * <ul>
 *   <li>{@code loss}: the value of {@link #loss()};
 *   <li>{@code rewards/chosen}, {@code rewards/rejected}: the implicit reward per response, averaged over pairs. For
 *       every objective with a reference it is TRL's {@code beta * sum_j m_j rho_j} (the unweighted sequence
 *       log-ratio, whatever token weights the loss uses); for SimPO it is {@code beta * (sum_j m_j l_j) / n}
 *       (TRL's CPO trainer); SFT reports no rewards;
 *   <li>{@code rewards/margins}: mean of {@code rewards/chosen - rewards/rejected} per pair;
 *   <li>{@code rewards/accuracies}: fraction of pairs whose chosen reward is strictly greater than the rejected one;
 *   <li>{@code logps/chosen}, {@code logps/rejected}: the per-sequence sum of policy log-probs over response tokens
 *       {@code sum_j m_j l_j}, averaged over pairs (TRL's DPO trainer); for SimPO the length-averaged
 *       {@code sum_j m_j l_j / n}, as TRL's CPO trainer reports it;
 *   <li>{@code logits/chosen}, {@code logits/rejected}: the mean logit over all response tokens of the batch and
 *       all vocabulary entries, {@code sum_{b,j} m_{b,j} meanLogit_{b,j} / sum_{b,j} m_{b,j}} (reported only when
 *       the mean logits were given);
 *   <li>ours: {@code tokens/rejected_weighted_fraction}, the fraction of rejected response tokens with weight
 *       {@code r > 0}; {@code tokens/rejected_kept_fraction} (token-weighted DPO only), the fraction of rejected
 *       response tokens kept by the noisy-token filter, {@code q = 1}; {@code rewards/filtered_chosen},
 *       {@code rewards/filtered_rejected}, {@code rewards/filtered_margins}, {@code rewards/filtered_accuracies}
 *       (token-weighted DPO only), the same four quantities computed as its loss sees them,
 *       {@code beta * sum_j m+ w+ rho+} and {@code beta * sum_j m- w- q rho-}, their difference (the argument of the
 *       loss's sigmoid) and the fraction of pairs where it is positive; {@code nll_loss} (objectives with an added SFT
 *       term), the SFT term before its weight; {@code bco/delta} (BCO-pair), the running reward mean used.
 * </ul>
 *
 * <p>A side that is absent from the batch has no metrics. Metrics are read from the device once per call.
 *
 * @param loss scalar loss of this micro-batch, {@code sum over terms of weight * sum / count}, with its gradient
 *     graph
 * @param metrics metric name to value, in a fixed order, unmodifiable
 * @param terms the un-normalised terms of the loss, for gradient accumulation
 */
public record ObjectiveOutput(NDArray loss, Map<String, Float> metrics, List<LossTerm> terms) {

    /**
     * Makes the metric map and term list unmodifiable.
     *
     * @throws NullPointerException if an argument is null
     */
    public ObjectiveOutput {
        Objects.requireNonNull(loss, "loss");
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
        terms = List.copyOf(terms);
    }

    /**
     * The loss to back-propagate for this micro-batch when it is one of several accumulated into one large batch:
     * {@code sum over terms of weight * sum / totals.get(normalization)}, where each total is the count of the whole
     * large batch (the sum over its micro-batches of {@link Normalization#count}). Summing the gradients of these
     * losses over the micro-batches gives exactly the gradient of the large batch's loss. A term whose total is 0
     * contributes 0.
     *
     * @param totals the large batch's count for every normalisation used by {@link #terms()}
     * @return scalar loss with its gradient graph
     * @throws IllegalArgumentException if a total is missing, not finite, or smaller than this micro-batch's count
     */
    public NDArray accumulationLoss(Map<Normalization, Double> totals) {
        NDArray result = null;
        for (LossTerm term : terms) {
            Double total = totals.get(term.normalization());
            if (total == null) {
                throw new IllegalArgumentException("totals has no count for " + term.normalization()
                        + ", needed by loss term '" + term.name() + "'");
            }
            if (!Double.isFinite(total) || total < term.count()) {
                throw new IllegalArgumentException("total " + term.normalization() + " count must be finite and at"
                        + " least this micro-batch's count " + term.count() + ", got " + total);
            }
            double scale = total > 0 ? term.weight() / total : 0.0;
            // An engine-allocated constant: DJL's mul(Number) frees its temporary scalar before backward reads it.
            NDArray factor = term.sum().getManager().full(new Shape(), (float) scale, term.sum().getDataType());
            NDArray part = term.sum().mul(factor);
            result = result == null ? part : result.add(part);
        }
        if (result == null) {
            throw new IllegalStateException("objective output has no loss terms");
        }
        return result;
    }
}
