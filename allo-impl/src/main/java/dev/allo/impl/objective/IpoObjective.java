package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;

/**
 * IPO (Azar et al., 2023, Eq. 17) with TRL's length-averaged log-ratios, TRL {@code loss_type="ipo"}:
 * {@code L = mean_b (S+_b / n+_b - S-_b / n-_b - 1 / (2 beta))^2}, where {@code n} is the response length.
 * Default {@code beta = 0.1} (target average margin 5 nats).
 */
final class IpoObjective extends PairwiseObjective {

    private final float beta;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    IpoObjective(ObjectiveConfig.Ipo config) {
        super(config);
        this.beta = (float) config.beta();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        NDArray chosen = weightedLogRatioSum(in.chosen()).div(in.chosen().length()); // (B)
        NDArray rejected = weightedLogRatioSum(in.rejected()).div(in.rejected().length()); // (B)
        return Scalars.plus(chosen.sub(rejected), -1.0 / (2.0 * beta)).square(); // IPO Eq. (17)
    }

    @Override
    double beta() {
        return beta;
    }
}
