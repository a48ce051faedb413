package dev.allo.scorer;

import dev.allo.data.Fingerprint;
import dev.allo.data.TokenizedPair;
import java.util.Arrays;

/** Every rejected token weighs 1 (plain token-level NPO); the chosen weights are left alone. */
public final class UniformTokenScorer implements TokenScorer {

    static final UniformTokenScorer INSTANCE = new UniformTokenScorer();

    private UniformTokenScorer() {
    }

    @Override
    public TokenScores score(TokenizedPair pair) {
        float[] r = new float[pair.rejectedIds().length];
        Arrays.fill(r, 1f);
        return TokenScores.ofRejected(r);
    }

    @Override
    public void fingerprint(Fingerprint.Builder into) {
        into.add("scorer", "uniform/v1");
    }

    @Override
    public String toString() {
        return "TokenScorer.uniform()";
    }
}
