/**
 * Token rewards for the rejected responses (ALLO Sec. 4.2, Eq. 5): the {@link dev.allo.scorer.TokenScorer}
 * plug-in and its stock scorers (uniform, model-free edit distance, and the rewriting model with
 * {@code r_j = 1 if P_R(y-_j | rewrite prompt, y-_<j) < u}, configured by
 * {@link dev.allo.scorer.RewriteScorerConfig}), the rewrite prompt ({@link dev.allo.scorer.RewritePrompt}) and the
 * per-pair result ({@link dev.allo.scorer.TokenScores}).
 */
package dev.allo.scorer;
