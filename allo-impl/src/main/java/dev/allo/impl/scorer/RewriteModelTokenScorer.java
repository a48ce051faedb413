package dev.allo.impl.scorer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.data.Fingerprint;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.model.CausalLm;
import dev.allo.scorer.RewritePrompt;
import dev.allo.scorer.RewriteScorerConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.scorer.TokenScores;
import dev.allo.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The forgetting stage's token reward from a rewriting model, paper Sec. 4.2, Eq. (5):
 *
 * <pre>
 * p_j = P_R(y-_j | rewrite prompt, y-_&lt;j)        (teacher forcing on the ORIGINAL rejected response)
 * r_j = 1 if p_j &lt; u else 0                        Eq. (5), u = 0.95 by default (Table 5)
 * </pre>
 *
 * <p>The rewrite prompt is the Table 6 "Solution Rewriting" template filled with the problem, the reference solution
 * (the chosen response when there is none) and the rejected response ({@link RewritePrompt}). A token the rewriter
 * would keep with high probability is one a minimal correction leaves in place, so it gets {@code r_j = 0}; a token
 * it would change gets {@code r_j = 1} and is forgotten by token-level NPO.
 *
 * <p>Pairs are scored in batches of {@link RewriteScorerConfig#batchSize()}, right-padded, on the rewriter's device,
 * without gradient recording. The chosen response gets no scores.
 */
public final class RewriteModelTokenScorer implements TokenScorer {
    private static final String VERSION = "rewrite-model/1";

    private final CausalLm rewriter;
    private final Tokenizer tokenizer;
    private final RewriteScorerConfig config;

    /**
     * Creates the scorer.
     *
     * @param rewriter the rewriting model; it must share {@code tokenizer} with the policy
     * @param tokenizer the tokenizer of the policy and the rewriter
     * @param config threshold {@code u}, template and batch size
     */
    public RewriteModelTokenScorer(CausalLm rewriter, Tokenizer tokenizer, RewriteScorerConfig config) {
        this.rewriter = Objects.requireNonNull(rewriter, "rewriter");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.config = Objects.requireNonNull(config, "config");
        if (tokenizer.vocabSize() > rewriter.vocabSize()) {
            throw new IllegalArgumentException("the rewriter's vocabulary (" + rewriter.vocabSize()
                    + ") must cover the tokenizer's (" + tokenizer.vocabSize() + ")");
        }
    }

    @Override
    public TokenScores score(TokenizedPair pair) {
        return scoreAll(List.of(pair)).get(0);
    }

    @Override
    public List<TokenScores> scoreAll(List<TokenizedPair> pairs) {
        List<double[]> probabilities = probabilities(pairs);
        List<TokenScores> out = new ArrayList<>(pairs.size());
        for (double[] p : probabilities) {
            out.add(TokenScores.ofRejected(config.rewards(p))); // Eq. (5)
        }
        return out;
    }

    /**
     * The rewriter's probability of every original rejected token, {@code p_j}, before the threshold of Eq. (5).
     *
     * @param pairs the pairs
     * @return for each pair, one probability per rejected token
     */
    public List<double[]> probabilities(List<TokenizedPair> pairs) {
        List<double[]> out = new ArrayList<>(pairs.size());
        for (int from = 0; from < pairs.size(); from += config.batchSize()) {
            List<TokenizedPair> batch = pairs.subList(from, Math.min(pairs.size(), from + config.batchSize()));
            out.addAll(probabilitiesOfBatch(batch));
        }
        return out;
    }

    private List<double[]> probabilitiesOfBatch(List<TokenizedPair> pairs) {
        List<RewritePrompt.Sequence> sequences = new ArrayList<>(pairs.size());
        int longest = 0;
        for (TokenizedPair pair : pairs) {
            RewritePrompt.Sequence s = RewritePrompt.sequence(pair, tokenizer, config.template());
            sequences.add(s);
            longest = Math.max(longest, s.ids().length);
        }
        int batch = sequences.size();
        long[] ids = new long[batch * longest];
        float[] attention = new float[batch * longest];
        float[] response = new float[batch * longest];
        for (int b = 0; b < batch; b++) {
            int[] seq = sequences.get(b).ids();
            int start = sequences.get(b).responseStart();
            for (int t = 0; t < seq.length; t++) {
                ids[b * longest + t] = seq[t]; // right padding: the tail stays id 0 with attention 0
                attention[b * longest + t] = 1f;
                response[b * longest + t] = t >= start ? 1f : 0f;
            }
        }
        try (NDManager scope = NDManager.newBaseManager(rewriter.device())) {
            Shape shape = new Shape(batch, longest);
            NDArray logProbs = TokenLogProbs.unchunked().compute(rewriter, scope.create(ids, shape),
                    scope.create(attention, shape), scope.create(response, shape)); // (B, T)
            float[] flat = logProbs.toType(DataType.FLOAT32, false).toFloatArray();
            List<double[]> out = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                int start = sequences.get(b).responseStart();
                int length = sequences.get(b).ids().length - start;
                double[] p = new double[length];
                for (int j = 0; j < length; j++) {
                    p[j] = Math.min(1.0, Math.exp(flat[b * longest + start + j])); // p_j = exp l_R(y-_j)
                }
                out.add(p);
            }
            return out;
        }
    }

    @Override
    public void fingerprint(Fingerprint.Builder into) {
        into.add("scorer", VERSION);
        into.add("threshold", config.threshold());
        into.add("template", config.template().text());
        into.add("tokenizer", tokenizer.identity());
        into.addParameters("rewriter", rewriter.parameters());
    }
}
