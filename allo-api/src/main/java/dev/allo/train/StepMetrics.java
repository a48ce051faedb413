package dev.allo.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one optimiser step of a stage measured.
 *
 * <p>{@link #metrics()} holds, in this order: the objective's metrics over the step's whole batch (TRL names such as
 * {@code loss}, {@code rewards/chosen}, {@code rewards/accuracies}; see {@code ObjectiveOutput}), then the loop's own:
 * <ul>
 *   <li>{@value #LEARNING_RATE}: the learning rate the step used ({@code lr * schedule(step - 1)});
 *   <li>{@value #GRAD_NORM}: the global L2 norm of the selected gradients before clipping;
 *   <li>{@value #TOKENS_PER_SECOND}: real (non-padding) tokens through the policy's forward passes of this step,
 *       divided by the step's wall-clock time;
 *   <li>{@value #ELAPSED_SECONDS}: wall-clock seconds since the stage started (in this process);
 *   <li>{@value #STEP}: the 1-based optimiser step within the stage;
 *   <li>{@value #EPOCH}: the 0-based epoch the step's batch came from.
 * </ul>
 * {@code loss} is the whole batch's loss, {@code sum over micro-batches of accumulationLoss}, which equals the loss
 * of one unsplit batch; the other objective metrics are averaged over micro-batches weighted by pairs (token-level
 * metrics {@code logits/*}, {@code tokens/*} and {@code nll_loss} by the side's response tokens).
 *
 * @param stage the stage's name
 * @param step the 1-based optimiser step within the stage
 * @param epoch the 0-based epoch
 * @param metrics every metric by name, in a fixed order; unmodifiable
 */
public record StepMetrics(String stage, long step, int epoch, Map<String, Double> metrics) {
    /** Metric name of the objective's loss. */
    public static final String LOSS = "loss";
    /** Metric name of the learning rate. */
    public static final String LEARNING_RATE = "learning_rate";
    /** Metric name of the gradient norm. */
    public static final String GRAD_NORM = "grad_norm";
    /** Metric name of the throughput. */
    public static final String TOKENS_PER_SECOND = "tokens_per_second";
    /** Metric name of the elapsed time. */
    public static final String ELAPSED_SECONDS = "elapsed_seconds";
    /** Metric name of the step. */
    public static final String STEP = "step";
    /** Metric name of the epoch. */
    public static final String EPOCH = "epoch";

    /** Copies the metrics, keeping their order. */
    public StepMetrics {
        Objects.requireNonNull(stage, "stage");
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /**
     * One metric.
     *
     * @param name the metric's name
     * @return its value
     * @throws IllegalArgumentException if the step has no such metric
     */
    public double get(String name) {
        Double v = metrics.get(name);
        if (v == null) {
            throw new IllegalArgumentException("step " + step + " of stage '" + stage + "' has no metric '" + name
                    + "'; it has " + metrics.keySet());
        }
        return v;
    }

    /**
     * The whole batch's loss.
     *
     * @return {@code metrics().get("loss")}
     */
    public double loss() {
        return get(LOSS);
    }

    /**
     * The learning rate the step used.
     *
     * @return {@code metrics().get("learning_rate")}
     */
    public double learningRate() {
        return get(LEARNING_RATE);
    }

    /**
     * The selected gradients' norm before clipping.
     *
     * @return {@code metrics().get("grad_norm")}
     */
    public double gradNorm() {
        return get(GRAD_NORM);
    }
}
