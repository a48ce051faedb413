package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.allo.objective.LossTerm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The shared skeleton of every objective: validate, compute the loss terms, add the TRL metrics, read the metrics
 * and counts back in one transfer, and free the intermediates.
 *
 * <p>The work runs inside an {@link NDScope}; the loss and the term sums survive it and are handed to the caller's
 * scope, if one is open. Closing the intermediates' handles does not break back-propagation: the engine's autograd
 * graph keeps what it needs.
 */
abstract class AbstractObjective implements PreferenceObjective {

    private final ObjectiveConfig config;

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    AbstractObjective(ObjectiveConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public final ObjectiveConfig config() {
        return config;
    }

    @Override
    public final ObjectiveOutput compute(PreferenceBatchLogProbs batch) {
        Objects.requireNonNull(batch, "batch");
        NDArray loss;
        List<LossTerm> terms = new ArrayList<>();
        Map<String, Float> metrics;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ObjectiveBatch in = BatchValidator.validate(batch, new BatchValidator.Needs(name(), requiresChosen(),
                    requiresRejected(), needsReference(Side.CHOSEN), needsReference(Side.REJECTED)));
            MetricsCollector extras = new MetricsCollector();
            List<TermTensor> termTensors = terms(in, extras);
            loss = null;
            for (TermTensor term : termTensors) {
                NDArray part = term.normalised();
                loss = loss == null ? part : loss.add(part);
            }
            MetricsCollector all = new MetricsCollector();
            all.put("loss", loss);
            TrlMetrics.add(in, this, all);
            all.putAll(extras);
            for (TermTensor term : termTensors) {
                all.put("count/" + term.name(), term.count());
            }
            metrics = all.read(); // the one device-to-host transfer of the step
            for (TermTensor term : termTensors) {
                double count = metrics.remove("count/" + term.name());
                terms.add(new LossTerm(term.name(), term.sum(), term.normalization(), count, term.weight()));
                NDScope.unregister(term.sum());
            }
            NDScope.unregister(loss);
        }
        // Hand the outputs to the caller's scope (a no-op when none is open).
        NDScope.register(loss);
        for (LossTerm term : terms) {
            NDScope.register(term.sum());
        }
        return new ObjectiveOutput(loss, metrics, terms);
    }

    /**
     * Computes the loss terms of a validated micro-batch.
     *
     * @param in the validated micro-batch
     * @param extras where to put objective-specific metrics
     * @return the terms, at least one, with distinct names
     */
    abstract List<TermTensor> terms(ObjectiveBatch in, MetricsCollector extras);

    /**
     * The implicit reward of each response of one side, for the {@code rewards/*} metrics; TRL's
     * {@code beta * sum_j m_j rho_j} unless overridden.
     *
     * @param side the side's tensors
     * @return {@code (B)} detached rewards, or null when this objective reports none for the side (for example
     *     when it has no reference)
     */
    NDArray rewards(ResponseTensors side) {
        if (side.reference() == null) {
            return null;
        }
        return Scalars.times(ResponseTensors.rowSum(side.logRatio()).stopGradient(), beta()); // (B)
    }

    /**
     * The inverse temperature used for the reward metrics.
     *
     * @return beta
     */
    abstract double beta();

    /**
     * The per-sequence policy log-probability reported as {@code logps/chosen} and {@code logps/rejected}: the sum
     * {@code sum_j m_j l_j} (TRL's DPO trainer) unless overridden.
     *
     * @param side the side's tensors
     * @return {@code (B)} detached log-probabilities
     */
    NDArray reportedLogps(ResponseTensors side) {
        return ResponseTensors.rowSum(side.policy()).stopGradient(); // (B)
    }

    /**
     * Whether the reference log-probs of one side are needed.
     *
     * @param side the side
     * @return true when {@code compute} fails without them
     */
    boolean needsReference(Side side) {
        return requiresReference() && (side == Side.CHOSEN ? requiresChosen() : requiresRejected());
    }

    /**
     * A scalar count of this micro-batch's pairs, on the batch's device.
     *
     * @param in the micro-batch
     * @return scalar float array holding {@code B}
     */
    static NDArray pairCount(ObjectiveBatch in) {
        ResponseTensors any = in.chosen() != null ? in.chosen() : in.rejected();
        return Scalars.of(any.length(), in.batchSize());
    }
}
