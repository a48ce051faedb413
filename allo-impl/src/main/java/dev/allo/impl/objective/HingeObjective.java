package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.allo.objective.ObjectiveConfig;

/**
 * Hinge loss on the DPO margin (SLiC, Zhao et al., 2023; RSO, Liu et al., 2023), TRL {@code loss_type="hinge"}:
 * {@code L = mean_b relu(1 - beta h_b)}; {@code beta} is the reciprocal of the margin. Default {@code beta = 0.1}.
 * At {@code beta h = 1} the gradient is 0 (the engine's relu).
 */
final class HingeObjective extends PairwiseObjective {

    private final float beta;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    HingeObjective(ObjectiveConfig.Hinge config) {
        super(config);
        this.beta = (float) config.beta();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        return Activation.relu(Scalars.plus(Scalars.times(margin(in), -beta), 1)); // (B)
    }

    @Override
    double beta() {
        return beta;
    }
}
