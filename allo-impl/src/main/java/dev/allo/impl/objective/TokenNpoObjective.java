package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveConfig;
import java.util.List;

/**
 * ALLO's token-level NPO for the forgetting stage, Eq. (7), with the token weights outside the sigmoid (as the
 * released code does) and normalised by the weighted token count of the micro-batch:
 * {@code L = -(1 / R) * sum_{b,j} m_j r_j logsig(-beta rho_j) = (1 / R) sum_{b,j} m_j r_j softplus(beta rho_j)},
 * {@code R = sum_{b,j} m_j r_j}, over rejected response tokens, with {@code r_j} the rejected side's weights
 * (Eq. 5; all ones when absent). No {@code 2 / beta} factor. Reads only the rejected side.
 *
 * <p>For binary {@code r} the gradient of each token equals Eq. (7)'s, where {@code r} multiplies the log-ratio
 * inside the sigmoid: a token with {@code r = 0} contributes a constant there and exactly zero gradient here. A
 * micro-batch whose weights are all 0 has loss 0 and zero gradient. Normalised by
 * {@link Normalization#WEIGHTED_REJECTED_TOKENS}. Default {@code beta = 0.1}.
 */
final class TokenNpoObjective extends AbstractObjective {

    private final float beta;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    TokenNpoObjective(ObjectiveConfig.TokenNpo config) {
        super(config);
        this.beta = (float) config.beta();
    }

    @Override
    List<TermTensor> terms(ObjectiveBatch in, MetricsCollector extras) {
        ResponseTensors rejected = in.rejected();
        NDArray perToken = LogSigmoid.softPlus(Scalars.times(rejected.logRatio(), beta)); // (B, T), -logsig(-beta rho)
        NDArray tokenWeights = rejected.tokenWeights(); // (B, T), 0 outside the response
        NDArray weightedSum = perToken.mul(tokenWeights).sum(); // Eq. (7), weights outside the sigmoid
        NDArray count = tokenWeights.sum(); // R
        return List.of(new TermTensor(name(), weightedSum, Normalization.WEIGHTED_REJECTED_TOKENS, count, 1.0));
    }

    @Override
    public boolean requiresReference() {
        return true;
    }

    @Override
    public boolean requiresChosen() {
        return false;
    }

    @Override
    public boolean requiresRejected() {
        return true;
    }

    @Override
    double beta() {
        return beta;
    }
}
