package dev.allo.impl.scorer;

import dev.allo.model.CausalLm;
import dev.allo.scorer.RewriteScorerConfig;
import dev.allo.scorer.RewriteTokenScorerFactory;
import dev.allo.scorer.TokenScorer;
import dev.allo.tokenizer.Tokenizer;

/** Registers {@link RewriteModelTokenScorer} behind {@link TokenScorer#rewriteModel}. */
public final class DjlRewriteTokenScorerFactory implements RewriteTokenScorerFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public DjlRewriteTokenScorerFactory() {}

    @Override
    public TokenScorer create(CausalLm rewriter, Tokenizer tokenizer, RewriteScorerConfig config) {
        return new RewriteModelTokenScorer(rewriter, tokenizer, config);
    }
}
