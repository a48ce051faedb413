package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;

/**
 * The metrics every objective reports, named as TRL's {@code DPOTrainer} names them, plus the fraction of rejected
 * tokens with a non-zero weight. Definitions are in {@link dev.allo.objective.ObjectiveOutput}.
 */
final class TrlMetrics {

    private TrlMetrics() {}

    /**
     * Adds the standard metrics of a micro-batch.
     *
     * @param in the validated micro-batch
     * @param objective the objective, which defines the rewards
     * @param out where to put the metrics
     */
    static void add(ObjectiveBatch in, AbstractObjective objective, MetricsCollector out) {
        ResponseTensors chosen = in.chosen();
        ResponseTensors rejected = in.rejected();
        NDArray chosenRewards = chosen == null ? null : objective.rewards(chosen); // (B)
        NDArray rejectedRewards = rejected == null ? null : objective.rewards(rejected); // (B)
        if (chosenRewards != null) {
            out.put("rewards/chosen", chosenRewards.mean());
        }
        if (rejectedRewards != null) {
            out.put("rewards/rejected", rejectedRewards.mean());
        }
        if (chosenRewards != null && rejectedRewards != null) {
            NDArray wins = chosenRewards.gt(rejectedRewards).toType(chosenRewards.getDataType(), false);
            out.put("rewards/accuracies", wins.mean());
            out.put("rewards/margins", chosenRewards.sub(rejectedRewards).mean());
        }
        if (chosen != null) {
            out.put("logps/chosen", objective.reportedLogps(chosen).mean());
        }
        if (rejected != null) {
            out.put("logps/rejected", objective.reportedLogps(rejected).mean());
        }
        if (chosen != null && chosen.meanLogits() != null) {
            out.put("logits/chosen", chosen.meanLogits().sum().div(chosen.maskFloat().sum()));
        }
        if (rejected != null && rejected.meanLogits() != null) {
            out.put("logits/rejected", rejected.meanLogits().sum().div(rejected.maskFloat().sum()));
        }
        if (rejected != null) {
            NDArray weighted = rejected.weights() == null
                    ? rejected.maskFloat()
                    : rejected.weights().gt(0f).toType(rejected.maskFloat().getDataType(), false); // (B, T)
            out.put("tokens/rejected_weighted_fraction", weighted.sum().div(rejected.maskFloat().sum()));
        }
    }
}
