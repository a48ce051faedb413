package dev.allo.scorer;

import dev.allo.model.CausalLm;
import dev.allo.tokenizer.Tokenizer;

/**
 * Service-provider interface for the rewriting-model scorer (Eq. 5), implemented on the engine in allo-impl and
 * registered in {@code META-INF/services/dev.allo.scorer.RewriteTokenScorerFactory}.
 * {@link TokenScorer#rewriteModel(CausalLm, Tokenizer, RewriteScorerConfig)} finds it.
 *
 * <p>Contract for implementations: for each pair build {@link RewritePrompt#sequence} (the rewrite prompt followed by
 * the pair's original rejected ids), run the rewriter on it (batched, padded, on the rewriter's device), read
 * {@code p_j = softmax(logits[responseStart + j - 1])[ids[responseStart + j]]} and return
 * {@link RewriteScorerConfig#rewards(double[])} of those probabilities; include the rewriter's weights in
 * {@link TokenScorer#fingerprint}.
 */
public interface RewriteTokenScorerFactory {

    /**
     * Creates the scorer.
     *
     * @param rewriter the rewriting model
     * @param tokenizer the shared tokenizer
     * @param config the configuration
     * @return the scorer
     */
    TokenScorer create(CausalLm rewriter, Tokenizer tokenizer, RewriteScorerConfig config);
}
