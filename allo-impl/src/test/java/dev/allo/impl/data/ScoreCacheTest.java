package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.data.DropLog;
import dev.allo.data.Fingerprint;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.scorer.RewriteScorerConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.scorer.TokenScores;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCacheTest {

    @TempDir
    Path dir;

    private static List<TokenizedPair> encode(Tokenizer tok, List<PreferenceExample> examples, int maxLength) {
        return new PairEncoder(tok, TruncationPolicy.of(maxLength, maxLength / 2))
                .encodeAll(examples.iterator(), new DropLog()).toList();
    }

    private static final List<PreferenceExample> DATA = List.of(
            PreferenceExample.of("1+1?", "2", "3").withReference("1+1=2"),
            PreferenceExample.of("2+2?", "4", "22"));

    @Test
    void theFingerprintChangesWheneverAnyInputChanges() {
        ByteTokenizer tok = ByteTokenizer.create();
        Set<String> keys = new HashSet<>();
        List<String> labels = new ArrayList<>();
        Map<String, String> byLabel = new LinkedHashMap<>();
        byLabel.put("base", ScoreCache.fingerprint(encode(tok, DATA, 64), tok, TokenScorer.editDistance()));
        byLabel.put("scorer", ScoreCache.fingerprint(encode(tok, DATA, 64), tok, TokenScorer.uniform()));
        byLabel.put("truncation", ScoreCache.fingerprint(encode(tok, DATA, 8), tok, TokenScorer.editDistance()));
        byLabel.put("prompt text", ScoreCache.fingerprint(encode(tok, List.of(
                PreferenceExample.of("1+1=?", "2", "3").withReference("1+1=2"), DATA.get(1)), 64), tok,
                TokenScorer.editDistance()));
        byLabel.put("reference", ScoreCache.fingerprint(encode(tok, List.of(DATA.get(0).withReference("2"),
                DATA.get(1)), 64), tok, TokenScorer.editDistance()));
        byLabel.put("order", ScoreCache.fingerprint(encode(tok, List.of(DATA.get(1), DATA.get(0)), 64), tok,
                TokenScorer.editDistance()));
        byLabel.put("subset", ScoreCache.fingerprint(encode(tok, DATA.subList(0, 1), 64), tok,
                TokenScorer.editDistance()));
        Tokenizer renamed = new IdentityOverride(tok, "another vocabulary");
        byLabel.put("tokenizer", ScoreCache.fingerprint(encode(renamed, DATA, 64), renamed,
                TokenScorer.editDistance()));
        byLabel.put("threshold", fingerprintOf(new FakeRewriteScorer(0.95, 1f)));
        byLabel.put("threshold'", fingerprintOf(new FakeRewriteScorer(0.9, 1f)));
        byLabel.put("weights'", fingerprintOf(new FakeRewriteScorer(0.95, 1.0001f)));
        byLabel.forEach((label, key) -> {
            labels.add(label);
            keys.add(key);
            assertThat(key).hasSize(64).matches("[0-9a-f]+");
        });
        assertThat(keys).as("distinct keys for %s", labels).hasSize(byLabel.size());
        // And the same inputs give the same key.
        assertThat(ScoreCache.fingerprint(encode(tok, DATA, 64), tok, TokenScorer.editDistance()))
                .isEqualTo(byLabel.get("base"));
        assertThat(fingerprintOf(new FakeRewriteScorer(0.95, 1f))).isEqualTo(byLabel.get("threshold"));
    }

    @Test
    void scoresAreComputedOnceThenReadBackAndAStaleFileIsNeverUsed() throws IOException {
        ByteTokenizer tok = ByteTokenizer.create();
        List<TokenizedPair> pairs = encode(tok, DATA, 64);
        CountingScorer scorer = new CountingScorer();
        ScoreCache cache = new ScoreCache(dir);
        ScoreCache.Result first = cache.scores(pairs, tok, scorer);
        assertThat(first.fromCache()).isFalse();
        assertThat(scorer.calls.get()).isEqualTo(2);
        ScoreCache.Result second = cache.scores(pairs, tok, scorer);
        assertThat(second.fromCache()).isTrue();
        assertThat(scorer.calls.get()).isEqualTo(2);
        assertThat(second.scores()).isEqualTo(first.scores());
        assertThat(second.scores().get(0).rejected()).isEqualTo(TokenScorer.editDistance().score(pairs.get(0))
                .rejected());

        // A changed input is a different key and a different file.
        ScoreCache.Result other = cache.scores(encode(tok, DATA.subList(0, 1), 64), tok, scorer);
        assertThat(other.file()).isNotEqualTo(first.file());
        assertThat(other.fromCache()).isFalse();

        // A damaged file under the right name is recomputed, not used.
        List<String> lines = Files.readAllLines(first.file());
        lines.set(1, lines.get(1).replace("\"index\":0", "\"index\":5"));
        Files.write(first.file(), lines);
        int before = scorer.calls.get();
        ScoreCache.Result repaired = cache.scores(pairs, tok, scorer);
        assertThat(repaired.fromCache()).isFalse();
        assertThat(scorer.calls.get()).isEqualTo(before + 2);
        assertThat(cache.scores(pairs, tok, scorer).fromCache()).isTrue();

        List<TokenizedPair> weighted = ScoreCache.apply(pairs, repaired.scores());
        assertThat(weighted.get(0).rejectedWeights()).isEqualTo(repaired.scores().get(0).rejected());
        assertThat(weighted.get(0).chosenWeights()).isEqualTo(pairs.get(0).chosenWeights());
    }

    private String fingerprintOf(TokenScorer scorer) {
        ByteTokenizer tok = ByteTokenizer.create();
        return ScoreCache.fingerprint(encode(tok, DATA, 64), tok, scorer);
    }

    /** Edit distance, counting calls. */
    private static final class CountingScorer implements TokenScorer {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public TokenScores score(TokenizedPair pair) {
            calls.incrementAndGet();
            return TokenScorer.editDistance().score(pair);
        }

        @Override
        public void fingerprint(Fingerprint.Builder into) {
            TokenScorer.editDistance().fingerprint(into);
        }
    }

    /** Stands in for a model scorer: config plus weights go through the fingerprint hook. */
    private static final class FakeRewriteScorer implements TokenScorer {
        private final RewriteScorerConfig config;
        private final float weight;

        FakeRewriteScorer(double threshold, float weight) {
            this.config = RewriteScorerConfig.defaults().withThreshold(threshold);
            this.weight = weight;
        }

        @Override
        public TokenScores score(TokenizedPair pair) {
            throw new UnsupportedOperationException("only fingerprinted in this test");
        }

        @Override
        public void fingerprint(Fingerprint.Builder into) {
            into.add("scorer", "fake-rewrite").add("u", config.threshold()).add("template", config.template().text());
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray w = m.create(new float[] {0.5f, weight, -2f}).reshape(3, 1);
                into.addParameters("rewriter", Map.of("lm_head.weight", w));
            }
        }
    }

    private record IdentityOverride(Tokenizer delegate, String id) implements Tokenizer {
        @Override
        public int[] encode(String text) {
            return delegate.encode(text);
        }

        @Override
        public String decode(int[] ids) {
            return delegate.decode(ids);
        }

        @Override
        public int vocabSize() {
            return delegate.vocabSize();
        }

        @Override
        public String identity() {
            return id;
        }

        @Override
        public OptionalInt bosId() {
            return delegate.bosId();
        }

        @Override
        public OptionalInt eosId() {
            return delegate.eosId();
        }

        @Override
        public OptionalInt padId() {
            return delegate.padId();
        }
    }
}
