package dev.allo.scorer;

import dev.allo.data.Fingerprint;
import dev.allo.data.TokenizedPair;
import dev.allo.model.CausalLm;
import dev.allo.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Gives each token of a pair's rejected response (and optionally its chosen response) a weight in {@code [0, 1]}:
 * the forgetting stage's token reward {@code r_j} (paper Sec. 4.2, Eq. 5). The token-level NPO loss then is
 * {@code L_N = -(1 / sum r) * sum_j r_j * log sigmoid(-beta * rho_j)} over the rejected tokens.
 *
 * <p>Stock scorers:
 * <ul>
 *   <li>{@link #uniform()}: every rejected token 1 (plain token-level NPO).</li>
 *   <li>{@link #editDistance()}: model-free; 1 on rejected tokens that a minimal token-level edit of the rejected
 *       response into the reference (or chosen) response substitutes or removes, 0 elsewhere.</li>
 *   <li>{@link #rewriteModel(CausalLm, Tokenizer, RewriteScorerConfig)}: Eq. (5) with a rewriting model.</li>
 * </ul>
 *
 * <p>Implementations must be deterministic: the same pair and configuration give the same scores, which is what lets
 * scores be cached on disk under a {@link Fingerprint}.
 */
public interface TokenScorer {

    /**
     * Scores one pair.
     *
     * @param pair the pair
     * @return one weight per rejected token and, optionally, one per chosen token
     */
    TokenScores score(TokenizedPair pair);

    /**
     * Scores several pairs; model-based scorers override this to batch on their device.
     *
     * @param pairs the pairs
     * @return the scores, in the order of {@code pairs}
     */
    default List<TokenScores> scoreAll(List<TokenizedPair> pairs) {
        List<TokenScores> out = new ArrayList<>(pairs.size());
        for (TokenizedPair p : pairs) {
            out.add(score(p));
        }
        return out;
    }

    /**
     * Adds everything that determines this scorer's output, other than the pair itself, to a cache fingerprint: its
     * name and version, every config value and, for model-based scorers, the model's weights
     * ({@link Fingerprint.Builder#addParameters}). A scorer that leaves out an input lets a stale cache be reused.
     *
     * @param into the fingerprint being built
     */
    void fingerprint(Fingerprint.Builder into);

    /**
     * All ones on the rejected response; the chosen response is left as it is.
     *
     * @return the scorer
     */
    static TokenScorer uniform() {
        return UniformTokenScorer.INSTANCE;
    }

    /**
     * The model-free edit-distance scorer: see {@link EditDistanceTokenScorer} for the alignment and its
     * tie-breaking.
     *
     * @return the scorer
     */
    static TokenScorer editDistance() {
        return EditDistanceTokenScorer.INSTANCE;
    }

    /**
     * The rewriting-model scorer of Eq. (5): teacher-forces {@code rewriter} on the original rejected response after
     * the rewrite prompt ({@link RewritePrompt}) and sets {@code r_j = 1} where
     * {@code P_R(y-_j | prompt, y-_<j) < u}, else 0.
     *
     * <p>The implementation needs the engine, so it lives in allo-impl and is found with {@link ServiceLoader} as a
     * {@link RewriteTokenScorerFactory}.
     *
     * @param rewriter the rewriting model; it must share {@code tokenizer} with the policy, since {@code r_j} must
     *     line up with the policy's rejected tokens
     * @param tokenizer the tokenizer of the policy and the rewriter
     * @param config the threshold, template and batch size
     * @return the scorer
     * @throws IllegalStateException if no implementation is on the class path
     */
    static TokenScorer rewriteModel(CausalLm rewriter, Tokenizer tokenizer, RewriteScorerConfig config) {
        return ServiceLoader.load(RewriteTokenScorerFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + RewriteTokenScorerFactory.class.getName()
                        + " implementation found by ServiceLoader; the rewrite-model scorer needs dev.allo:allo-impl"
                        + " (with a release that provides it) on the class path"))
                .create(rewriter, tokenizer, config);
    }
}
