package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;

/**
 * ALLO's token-weighted DPO for the learning stage, Eq. (9), with the noisy-token filter of Eq. (8) recomputed at
 * every call from the current log-ratios:
 * {@code L = mean_b -logsig(beta * (sum_j m+_j w+_j rho+_j - sum_j m-_j w-_j q_j rho-_j))}.
 *
 * <p>{@code q_j = 0} for the {@code floor(v * n-)} rejected response tokens with the largest {@code rho_j} (ties:
 * earlier positions first), 1 otherwise; no gradient flows through {@code q}, and a token with {@code q_j = 0} gets
 * exactly zero gradient. With all-ones weights (the default) and {@code v = 0} this is Eq. (2). The filter ranks
 * every response token whatever its weight. Defaults {@code beta = 0.1}, {@code v = 0.2} (ALLO Table 5).
 *
 * <p>Extra metrics, each a mean over the micro-batch's pairs except the first:
 * <ul>
 *   <li>{@code tokens/rejected_kept_fraction}: the fraction of rejected response tokens with {@code q = 1};
 *   <li>{@code rewards/filtered_chosen}: {@code beta * sum_j m+_j w+_j rho+_j}, the chosen half of the margin the
 *       loss optimises (no chosen token is filtered; equals {@code rewards/chosen} with all-ones weights);
 *   <li>{@code rewards/filtered_rejected}: {@code beta * sum_j m-_j w-_j q_j rho-_j}, the rejected half after the
 *       filter;
 *   <li>{@code rewards/filtered_margins}: the argument of Eq. (9)'s sigmoid,
 *       {@code z = beta * (sum_j m+ w+ rho+ - sum_j m- w- q rho-)}, so that the loss is {@code mean_b softplus(-z)};
 *   <li>{@code rewards/filtered_accuracies}: the fraction of pairs with {@code z > 0}.
 * </ul>
 *
 * <p>The sequence-level {@code rewards/*} metrics (TRL's, {@code beta * sum_j m_j rho_j} over every token) ignore the
 * filter and the weights, so they can disagree with the loss: the filter takes the rejected tokens with the largest
 * log-ratio out of the margin (and out of the gradient), so the filtered margin can grow while the sequence margin
 * stays negative.
 */
final class TokenDpoObjective extends PairwiseObjective {

    private final float beta;
    private final NoisyTokenFilter filter;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    TokenDpoObjective(ObjectiveConfig.TokenDpo config) {
        super(config);
        this.beta = (float) config.beta();
        this.filter = new NoisyTokenFilter(config.noisyTokenRatio());
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        ResponseTensors rejected = in.rejected();
        NDArray rejectedRatio = rejected.logRatio(); // (B, T-)
        NDArray keep = filter.keep(rejectedRatio, rejected.mask(), rejected.length()); // (B, T-), Eq. (8)
        NDArray rejectedSum = ResponseTensors.rowSum(rejected.weighted(rejectedRatio).mul(keep)); // (B)
        NDArray chosenSum = weightedLogRatioSum(in.chosen()); // (B)
        NDArray margin = Scalars.times(chosenSum.sub(rejectedSum), beta); // (B), z of Eq. (9)
        extras.put("tokens/rejected_kept_fraction", keep.mul(rejected.maskFloat()).sum()
                .div(rejected.maskFloat().sum()));
        putFilteredRewards(chosenSum, rejectedSum, margin, extras);
        return LogSigmoid.of(margin).neg(); // Eq. (9)
    }

    /**
     * Adds the {@code rewards/filtered_*} metrics: the halves of the margin the loss optimises, the margin and the
     * fraction of pairs it ranks correctly.
     *
     * @param chosenSum {@code (B)} {@code sum_j m+ w+ rho+}
     * @param rejectedSum {@code (B)} {@code sum_j m- w- q rho-}
     * @param margin {@code (B)} {@code beta * (chosenSum - rejectedSum)}
     * @param extras where to put the metrics
     */
    private void putFilteredRewards(NDArray chosenSum, NDArray rejectedSum, NDArray margin, MetricsCollector extras) {
        NDArray z = margin.stopGradient(); // (B)
        extras.put("rewards/filtered_chosen", Scalars.times(chosenSum.stopGradient(), beta).mean());
        extras.put("rewards/filtered_rejected", Scalars.times(rejectedSum.stopGradient(), beta).mean());
        extras.put("rewards/filtered_margins", z.mean());
        extras.put("rewards/filtered_accuracies", z.gt(0f).toType(z.getDataType(), false).mean());
    }

    @Override
    double beta() {
        return beta;
    }
}
