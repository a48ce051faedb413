package dev.allo.impl.pipeline;

import ai.djl.ndarray.NDArray;
import dev.allo.importance.ImportanceScores;
import java.util.Map;

/**
 * Refuses importance scores that cannot rank anything: a top-k selection from scores that are all equal is simply
 * the first weights in model order (ties break by position), which looks like a mask but says nothing about the
 * model. This happens when the locate warm-up took no step or did not move the weights (a learning rate of 0, a
 * loss with zero gradient). NaN scores are refused too, naming the tensor.
 */
final class InformativeScores {
    private InformativeScores() {}

    /**
     * Checks that the scores are finite and not all equal.
     *
     * @param scores the scores
     * @param source where they came from (estimator and settings), for the message
     * @throws IllegalArgumentException if a score is NaN or infinite, or every score is the same value
     */
    static void require(ImportanceScores scores, String source) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, NDArray> e : scores.asMap().entrySet()) {
            NDArray s = e.getValue();
            if (s.isNaN().any().getBoolean() || s.isInfinite().any().getBoolean()) {
                throw new IllegalArgumentException("importance scores of tensor '" + e.getKey() + "' from " + source
                        + " hold NaN or infinite values; the warm-up diverged: lower its learning rate");
            }
            min = Math.min(min, s.min().getFloat());
            max = Math.max(max, s.max().getFloat());
        }
        if (min == max) {
            throw new IllegalArgumentException("every one of the " + scores.size() + " importance scores from "
                    + source + " equals " + min + ", so a top-k mask would just be the first weights in model order;"
                    + " the warm-up did not move the weights: give it at least one full batch and a learning rate"
                    + " above 0 (LocateConfig.withWarmUp)");
        }
    }
}
