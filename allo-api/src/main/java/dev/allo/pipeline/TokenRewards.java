package dev.allo.pipeline;

/**
 * Where a stage's per-token weights on the rejected response come from (the forgetting stage's {@code r_j},
 * Eq. 5).
 */
public enum TokenRewards {
    /** All ones: the objective's unweighted form. */
    NONE,
    /**
     * The rewriting model of Eq. (5): {@code r_j = 1} where the rewriter's probability of the rejected token is below
     * the threshold {@code u}. Needs a rewriter ({@code Allo.builder().rewriter(...)}).
     */
    REWRITER,
    /** Model-free: rejected tokens inside substituted or inserted spans of a token-level edit alignment. */
    EDIT_DISTANCE,
    /** A scorer given to the builder ({@code Allo.builder().tokenScorer(...)}). */
    CUSTOM
}
