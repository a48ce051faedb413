package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.Normalization;
import java.util.List;

/**
 * An objective whose loss is a mean over pairs of a per-pair loss: {@code L = (1 / B) sum_b f_b}. Its one loss term
 * is normalised by {@link Normalization#PAIRS}.
 */
abstract class PairwiseObjective extends AbstractObjective {

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    PairwiseObjective(ObjectiveConfig config) {
        super(config);
    }

    @Override
    final List<TermTensor> terms(ObjectiveBatch in, MetricsCollector extras) {
        NDArray perPair = perPairLoss(in, extras); // (B)
        return List.of(new TermTensor(name(), perPair.sum(), Normalization.PAIRS, pairCount(in), 1.0));
    }

    /**
     * The loss of each pair.
     *
     * @param in the validated micro-batch
     * @param extras where to put objective-specific metrics
     * @return {@code (B)} differentiable per-pair losses
     */
    abstract NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras);

    @Override
    public boolean requiresReference() {
        return true;
    }

    @Override
    public boolean requiresChosen() {
        return true;
    }

    @Override
    public boolean requiresRejected() {
        return true;
    }

    /**
     * The weighted sequence log-ratio {@code S = sum_j m_j w_j rho_j} of each row.
     *
     * @param side the side's tensors
     * @return {@code (B)}, differentiable
     */
    static NDArray weightedLogRatioSum(ResponseTensors side) {
        return ResponseTensors.rowSum(side.weighted(side.logRatio())); // (B)
    }

    /**
     * The DPO margin {@code h = S+ - S-} of each pair.
     *
     * @param in the validated micro-batch
     * @return {@code (B)}, differentiable
     */
    static NDArray margin(ObjectiveBatch in) {
        return weightedLogRatioSum(in.chosen()).sub(weightedLogRatioSum(in.rejected())); // (B)
    }
}
