package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;

/**
 * Sequence DPO (Rafailov et al., 2023), ALLO Eq. (2), TRL {@code loss_type="sigmoid"}:
 * {@code L = mean_b -logsig(beta * h_b)}, with {@code h = S+ - S-} and {@code S = sum_j m_j w_j rho_j} (token
 * weights default to 1, which gives the standard summed sequence log-ratio). Default {@code beta = 0.1}.
 */
final class DpoObjective extends PairwiseObjective {

    private final float beta;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    DpoObjective(ObjectiveConfig.Dpo config) {
        super(config);
        this.beta = (float) config.beta();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        return LogSigmoid.of(Scalars.times(margin(in), beta)).neg(); // Eq. (2)
    }

    @Override
    double beta() {
        return beta;
    }
}
