package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;

/**
 * Sequence NPO (Zhang et al., 2024, "Negative Preference Optimization"; ALLO Eq. 6 as a loss):
 * {@code L = mean_b -(2 / beta) logsig(-beta S-_b) = mean_b (2 / beta) softplus(beta S-_b)}, with
 * {@code S- = sum_j m_j w_j rho_j} over the rejected response. Reads only the rejected side. Default
 * {@code beta = 0.1}.
 */
final class NpoObjective extends PairwiseObjective {

    private final float beta;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    NpoObjective(ObjectiveConfig.Npo config) {
        super(config);
        this.beta = (float) config.beta();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        NDArray rejected = weightedLogRatioSum(in.rejected()); // (B)
        return Scalars.times(LogSigmoid.softPlus(Scalars.times(rejected, beta)), 2.0 / beta); // Eq. (6), with 2/beta
    }

    @Override
    public boolean requiresChosen() {
        return false;
    }

    @Override
    double beta() {
        return beta;
    }
}
