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
 * every response token whatever its weight. Defaults {@code beta = 0.1}, {@code v = 0.2} (ALLO Table 5). Extra
 * metric: {@code tokens/rejected_kept_fraction}, the fraction of rejected response tokens with {@code q = 1}.
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
        extras.put("tokens/rejected_kept_fraction", keep.mul(rejected.maskFloat()).sum()
                .div(rejected.maskFloat().sum()));
        return LogSigmoid.of(Scalars.times(chosenSum.sub(rejectedSum), beta)).neg(); // Eq. (9)
    }

    @Override
    double beta() {
        return beta;
    }
}
