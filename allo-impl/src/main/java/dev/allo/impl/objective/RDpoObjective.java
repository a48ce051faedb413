package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;

/**
 * R-DPO, length-regularised DPO (Park et al., 2024, "Disentangling Length from Quality in Direct Preference
 * Optimization"), Eq. (9): {@code L = mean_b -logsig(beta h_b + alpha (n+_b - n-_b))}, where {@code n} is the response
 * length in tokens. Defaults {@code beta = 0.1}, {@code alpha = 0.05}; {@code alpha = 0} is DPO.
 */
final class RDpoObjective extends PairwiseObjective {

    private final float beta;
    private final float alpha;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    RDpoObjective(ObjectiveConfig.RDpo config) {
        super(config);
        this.beta = (float) config.beta();
        this.alpha = (float) config.alpha();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        NDArray lengthGap = in.chosen().length().sub(in.rejected().length()); // (B)
        // Park et al. 2024, Eq. (9): the length gap enters with a plus, so a longer chosen response needs less margin.
        return LogSigmoid.of(Scalars.times(margin(in), beta).add(Scalars.times(lengthGap, alpha))).neg();
    }

    @Override
    double beta() {
        return beta;
    }
}
