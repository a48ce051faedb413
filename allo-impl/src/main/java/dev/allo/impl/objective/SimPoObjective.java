package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;

/**
 * SimPO (Meng et al., 2024), reference-free and length-normalised, TRL CPO {@code loss_type="simpo"} with
 * {@code cpo_alpha = 0}: {@code L = mean_b -logsig(beta (P+_b / n+_b - P-_b / n-_b) - gamma)}, with
 * {@code P = sum_j m_j w_j l_j} and {@code n} the response length. Reference log-probs, if given, are ignored.
 * Rewards (TRL's CPO trainer): {@code beta * (sum_j m_j l_j) / n}. Defaults {@code beta = 2.0}, {@code gamma = 1.0}.
 */
final class SimPoObjective extends PairwiseObjective {

    private final float beta;
    private final float gamma;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    SimPoObjective(ObjectiveConfig.SimPo config) {
        super(config);
        this.beta = (float) config.beta();
        this.gamma = (float) config.gamma();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        NDArray chosen = averageLogProb(in.chosen()); // (B)
        NDArray rejected = averageLogProb(in.rejected()); // (B)
        return LogSigmoid.of(Scalars.plus(Scalars.times(chosen.sub(rejected), beta), -gamma)).neg(); // SimPO Eq. (6)
    }

    private static NDArray averageLogProb(ResponseTensors side) {
        return ResponseTensors.rowSum(side.weighted(side.policy())).div(side.length()); // (B)
    }

    @Override
    NDArray rewards(ResponseTensors side) {
        return Scalars.times(ResponseTensors.rowSum(side.policy()).div(side.length()).stopGradient(), beta); // (B)
    }

    /** TRL's CPO trainer reports SimPO's {@code logps/*} length-averaged, {@code sum_j m_j l_j / n}. */
    @Override
    NDArray reportedLogps(ResponseTensors side) {
        return ResponseTensors.rowSum(side.policy()).div(side.length()).stopGradient(); // (B)
    }

    @Override
    public boolean requiresReference() {
        return false;
    }

    @Override
    double beta() {
        return beta;
    }
}
