package dev.allo.scorer;

import dev.allo.data.PromptTemplate;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of the rewriting-model scorer, Eq. (5): {@code r_j = 1 if P_R(y-_j | rewrite prompt, y-_<j) < u},
 * else 0.
 *
 * @param threshold {@code u}, in {@code (0, 1]}; default 0.95 (paper Table 5, every scenario)
 * @param template the rewrite prompt, with {@code {problem}}, {@code {solution}} and {@code {prediction}}; default
 *     {@link PromptTemplate#solutionRewriting()} (paper Table 6)
 * @param batchSize pairs teacher-forced per forward pass; at least 1; default 8
 */
public record RewriteScorerConfig(double threshold, PromptTemplate template, int batchSize) {

    /** The paper's threshold {@code u} (Table 5). */
    public static final double DEFAULT_THRESHOLD = 0.95;

    /**
     * Validates the config.
     *
     * @throws IllegalArgumentException naming the field, its constraint and its value
     */
    public RewriteScorerConfig {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
        Objects.requireNonNull(template, "template");
        template.requirePlaceholders(List.of(PromptTemplate.PROBLEM, PromptTemplate.SOLUTION,
                PromptTemplate.PREDICTION));
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
    }

    /**
     * The paper's settings: {@code u = 0.95}, the Table 6 rewriting template, batches of 8.
     *
     * @return the config
     */
    public static RewriteScorerConfig defaults() {
        return new RewriteScorerConfig(DEFAULT_THRESHOLD, PromptTemplate.solutionRewriting(), 8);
    }

    /**
     * A copy with another threshold.
     *
     * @param u the threshold
     * @return the copy
     */
    public RewriteScorerConfig withThreshold(double u) {
        return new RewriteScorerConfig(u, template, batchSize);
    }

    /**
     * A copy with another template.
     *
     * @param t the template
     * @return the copy
     */
    public RewriteScorerConfig withTemplate(PromptTemplate t) {
        return new RewriteScorerConfig(threshold, t, batchSize);
    }

    /**
     * A copy with another batch size.
     *
     * @param size the batch size
     * @return the copy
     */
    public RewriteScorerConfig withBatchSize(int size) {
        return new RewriteScorerConfig(threshold, template, size);
    }

    /**
     * Eq. (5) applied to the rewriter's probabilities of the original rejected tokens.
     *
     * @param probabilities {@code p_j = P_R(y-_j | prompt, y-_<j)}, each in {@code [0, 1]}
     * @return {@code r_j = 1} where {@code p_j < u}, else 0
     * @throws IllegalArgumentException naming the first probability outside {@code [0, 1]}
     */
    public float[] rewards(double[] probabilities) {
        float[] r = new float[probabilities.length];
        for (int j = 0; j < r.length; j++) {
            double p = probabilities[j];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("probabilities[" + j + "] must be in [0, 1], got " + p);
            }
            r[j] = p < threshold ? 1f : 0f; // Eq. (5)
        }
        return r;
    }
}
