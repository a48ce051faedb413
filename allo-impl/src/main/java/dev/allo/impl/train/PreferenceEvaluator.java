package dev.allo.impl.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.allo.data.PaddingSide;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.model.CausalLm;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceObjective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An objective's metrics over a whole set of pairs without training: for example the reward accuracy
 * ({@code rewards/accuracies}) of held-out pairs, or of the training pairs after a stage. The pairs run in order,
 * {@code batchSize} at a time, right-padded, without gradient; {@code loss} is the loss of the whole set as one batch
 * (micro-batch losses normalised by the whole set's counts and summed) and the other metrics are averaged as in
 * {@link dev.allo.train.StepMetrics}. A stateful objective (BCO-pair) advances its state.
 */
public final class PreferenceEvaluator {
    private PreferenceEvaluator() {}

    /**
     * Evaluates the objective on the pairs.
     *
     * @param policy the model; not modified
     * @param objective the objective whose metrics are wanted
     * @param pairs the pairs, not empty
     * @param reference reference log-probs covering the pairs, or null if the objective needs none
     * @param batchSize pairs per forward pass, at least 1
     * @param logProbs the per-token log-prob calculator
     * @param padId the padding id
     * @return metric name to value, {@code loss} included
     * @throws IllegalArgumentException if there are no pairs, {@code batchSize < 1}, or a needed reference is
     *     missing
     */
    public static Map<String, Double> evaluate(CausalLm policy, PreferenceObjective objective,
            List<TokenizedPair> pairs, ReferenceLogProbs reference, int batchSize, TokenLogProbs logProbs,
            int padId) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cannot evaluate 0 pairs");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        ObjectiveRunner runner = new ObjectiveRunner(policy, objective, reference, logProbs);
        PreferenceCollator collator = new PreferenceCollator(PaddingSide.RIGHT, 1, padId);
        MetricAverager averager = new MetricAverager();
        try (NDManager manager = NDManager.newBaseManager(policy.device())) {
            List<List<TokenizedPair>> rows = new ArrayList<>();
            List<PreferenceBatch> batches = new ArrayList<>();
            for (int from = 0; from < pairs.size(); from += batchSize) {
                List<TokenizedPair> r = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
                rows.add(r);
                batches.add(collator.collate(r, manager));
            }
            Map<Normalization, Double> totals = ObjectiveRunner.totals(batches);
            for (int k = 0; k < batches.size(); k++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    ObjectiveOutput out = runner.compute(batches.get(k), rows.get(k), "evaluation batch " + (k + 1));
                    averager.add(out.metrics(), out.accumulationLoss(totals).getFloat(), rows.get(k));
                }
            }
        }
        return averager.result();
    }
}
