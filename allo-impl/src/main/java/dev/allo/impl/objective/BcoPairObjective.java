package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.allo.objective.ObjectiveConfig;
import java.util.Map;

/**
 * Pairwise BCO (Jung et al., 2024, "Binary Classifier Optimization"), TRL {@code loss_type="bco_pair"} with its
 * running reward mean (TRL from PR #1524 until its DPO refactor, PR #3906, dropped {@code delta}):
 * {@code L = mean_b [-logsig(beta S+_b - delta) - logsig(-(beta S-_b - delta))]}.
 *
 * <p>{@code delta} is the running mean over calls of each micro-batch's mean reward, the mean of the {@code 2B}
 * values {@code beta S+_b} and {@code beta S-_b}; it is updated with the current micro-batch before the loss is
 * computed (as TRL does) and is never differentiated. Every call to {@code compute} updates it, once per
 * micro-batch. The state ({@code running_mean}, {@code running_count}) is saved with
 * {@link #saveState()}. Extra metric: {@code bco/delta}. Default {@code beta = 0.1}.
 */
final class BcoPairObjective extends PairwiseObjective {

    private final float beta;
    private final RunningMean rewardMean = new RunningMean();

    /**
     * Creates the objective with a fresh running mean.
     *
     * @param config its config
     */
    BcoPairObjective(ObjectiveConfig.BcoPair config) {
        super(config);
        this.beta = (float) config.beta();
    }

    @Override
    NDArray perPairLoss(ObjectiveBatch in, MetricsCollector extras) {
        NDArray chosen = Scalars.times(weightedLogRatioSum(in.chosen()), beta); // (B)
        NDArray rejected = Scalars.times(weightedLogRatioSum(in.rejected()), beta); // (B)
        NDArray pairMean = chosen.stopGradient().add(rejected.stopGradient()).mean().div(2f); // mean of 2B, no grad
        double delta = rewardMean.update(pairMean.toType(DataType.FLOAT32, false).getFloat()); // one transfer
        extras.put("bco/delta", Scalars.of(chosen, delta));
        NDArray chosenShifted = Scalars.plus(chosen, -delta); // beta S+ - delta
        NDArray rejectedShifted = Scalars.plus(rejected, -delta); // beta S- - delta
        return LogSigmoid.of(chosenShifted).add(LogSigmoid.of(rejectedShifted.neg())).neg();
    }

    @Override
    double beta() {
        return beta;
    }

    @Override
    public Map<String, double[]> saveState() {
        return rewardMean.save();
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        rewardMean.restore(state);
    }
}
