package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;

/**
 * Conservative DPO (cDPO, label smoothing): {@code L = mean_b [-(1 - eps) logsig(beta h_b) - eps logsig(-beta h_b)]}.
 * Defaults {@code beta = 0.1}, {@code eps = 0.1}; {@code eps = 0} is DPO. TRL up to v0.28 computed this as
 * {@code loss_type="sigmoid"} with {@code label_smoothing}; TRL from v0.29 ignores {@code label_smoothing} there.
 */
final class ConservativeDpoObjective extends PairwiseObjective {

    private final float beta;
    private final float epsilon;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    ConservativeDpoObjective(ObjectiveConfig.ConservativeDpo config) {
        super(config);
        this.beta = (float) config.beta();
        this.epsilon = (float) config.labelSmoothing();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        NDArray z = Scalars.times(margin(in), beta); // (B)
        return Scalars.times(LogSigmoid.of(z), -(1 - epsilon)).sub(Scalars.times(LogSigmoid.of(z.neg()), epsilon));
    }

    @Override
    double beta() {
        return beta;
    }
}
