package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.tokenizer.ByteTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reference log-probs: values, disk reuse under a matching fingerprint, recomputation when stale or corrupt. */
class ReferenceCacheTest {
    private static final String TOKENIZER = ByteTokenizer.create().identity();

    @TempDir
    Path dir;

    private static ReferenceLogProbs get(ReferenceCache cache, DecoderModel model, List<TokenizedPair> pairs) {
        return cache.getOrCompute(model, pairs, TOKENIZER, 3, TokenLogProbs.unchunked(), TinyStage.PAD);
    }

    @Test
    void valuesAreTheModelsResponseLogProbs() {
        List<TokenizedPair> pairs = TinyStage.pairs(5);
        try (DecoderModel model = TinyStage.model(1); NDManager m = NDManager.newBaseManager()) {
            ReferenceLogProbs ref = ReferenceLogProbs.compute(model, pairs, 2, TokenLogProbs.chunked(2),
                    TinyStage.PAD, "label");
            for (TokenizedPair p : pairs) {
                // Score the rejected sequence alone, unpadded: log P(y_j | prompt, y_<j) at the response columns.
                int[] seq = concat(p.promptIds(), p.rejectedIds());
                NDArray ids = m.create(toLong(seq)).reshape(1, seq.length);
                NDArray ones = m.ones(ids.getShape(), DataType.INT64);
                NDArray logits = model.forward(ids, ones).logSoftmax(-1); // (1, T, V)
                float[] expected = new float[p.rejectedIds().length];
                for (int j = 0; j < expected.length; j++) {
                    int t = p.promptIds().length + j; // token column; predicted from t - 1
                    expected[j] = logits.getFloat(0, t - 1, seq[t]);
                }
                float[] actual = ref.rejected(p.index());
                for (int j = 0; j < expected.length; j++) {
                    assertThat(actual[j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-5f));
                }
                assertThat(ref.chosen(p.index())).hasSize(p.chosenIds().length);
            }
        }
    }

    @Test
    void matchingFingerprintReusesTheFile() throws Exception {
        ReferenceCache cache = new ReferenceCache(dir);
        List<TokenizedPair> pairs = TinyStage.pairs(6);
        try (DecoderModel model = TinyStage.model(1)) {
            ReferenceLogProbs first = get(cache, model, pairs);
            assertThat(first.origin()).isEqualTo(ReferenceLogProbs.Origin.COMPUTED);
            assertThat(cache.file(first.fingerprint())).exists();
            try (DecoderModel same = TinyStage.model(1)) { // equal weights in another instance
                ReferenceLogProbs second = get(cache, same, pairs);
                assertThat(second.origin()).isEqualTo(ReferenceLogProbs.Origin.LOADED);
                assertThat(second.fingerprint()).isEqualTo(first.fingerprint());
                for (TokenizedPair p : pairs) {
                    assertThat(second.chosen(p.index())).isEqualTo(first.chosen(p.index()));
                    assertThat(second.rejected(p.index())).isEqualTo(first.rejected(p.index()));
                }
            }
            try (var files = Files.list(dir)) {
                assertThat(files.count()).as("no temporary files left").isEqualTo(1);
            }
        }
    }

    @Test
    void aPrecomputedDirectoryIsReadButNeverWritten() throws Exception {
        List<TokenizedPair> pairs = TinyStage.pairs(4);
        Path precomputed = dir.resolve("precomputed");
        try (DecoderModel model = TinyStage.model(1)) {
            ReferenceLogProbs computed = get(new ReferenceCache(dir.resolve("elsewhere")), model, pairs);
            Map<Long, float[]> chosen = new java.util.LinkedHashMap<>();
            Map<Long, float[]> rejected = new java.util.LinkedHashMap<>();
            for (TokenizedPair p : pairs) {
                chosen.put(p.index(), computed.chosen(p.index()));
                rejected.put(p.index(), computed.rejected(p.index()));
            }
            new ReferenceCache(precomputed).save(ReferenceLogProbs.of(computed.fingerprint(), chosen, rejected));
            Path own = dir.resolve("own");
            ReferenceLogProbs read = get(new ReferenceCache(own, java.util.Optional.of(precomputed)), model, pairs);
            assertThat(read.origin()).isEqualTo(ReferenceLogProbs.Origin.LOADED);
            for (TokenizedPair p : pairs) {
                assertThat(read.rejected(p.index())).isEqualTo(computed.rejected(p.index()));
            }
            assertThat(own).doesNotExist();
            try (DecoderModel other = TinyStage.model(2)) { // another fingerprint: computed into its own directory
                assertThat(get(new ReferenceCache(own, java.util.Optional.of(precomputed)), other, pairs).origin())
                        .isEqualTo(ReferenceLogProbs.Origin.COMPUTED);
            }
            try (var files = Files.list(precomputed)) {
                assertThat(files.count()).as("the precomputed directory is not written").isEqualTo(1);
            }
        }
    }

    @Test
    void otherWeightsPairsOrTokenizerAreRecomputed() {
        ReferenceCache cache = new ReferenceCache(dir);
        List<TokenizedPair> pairs = TinyStage.pairs(6);
        try (DecoderModel model = TinyStage.model(1)) {
            ReferenceLogProbs first = get(cache, model, pairs);
            ReferenceLogProbs fewer = get(cache, model, pairs.subList(0, 5));
            assertThat(fewer.origin()).isEqualTo(ReferenceLogProbs.Origin.COMPUTED);
            assertThat(fewer.fingerprint()).isNotEqualTo(first.fingerprint());
            ReferenceLogProbs otherTokenizer = cache.getOrCompute(model, pairs, "other-tokenizer", 3,
                    TokenLogProbs.unchunked(), TinyStage.PAD);
            assertThat(otherTokenizer.origin()).isEqualTo(ReferenceLogProbs.Origin.COMPUTED);
            NDArray w = model.parameters().get("model.norm.weight");
            w.set(new ai.djl.ndarray.index.NDIndex("0"), 0.5f); // one weight changed: stale
            ReferenceLogProbs changed = get(cache, model, pairs);
            assertThat(changed.origin()).isEqualTo(ReferenceLogProbs.Origin.COMPUTED);
            assertThat(changed.fingerprint()).isNotEqualTo(first.fingerprint());
            assertThat(changed.rejected(0)).isNotEqualTo(first.rejected(0));
        }
    }

    @Test
    void corruptFileIsRecomputedAndReplaced() throws Exception {
        ReferenceCache cache = new ReferenceCache(dir);
        List<TokenizedPair> pairs = TinyStage.pairs(4);
        try (DecoderModel model = TinyStage.model(1)) {
            ReferenceLogProbs first = get(cache, model, pairs);
            Path file = cache.file(first.fingerprint());
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length / 2] ^= 0x40;
            Files.write(file, bytes);
            ReferenceLogProbs again = get(cache, model, pairs);
            assertThat(again.origin()).isEqualTo(ReferenceLogProbs.Origin.COMPUTED);
            assertThat(again.rejected(1)).isEqualTo(first.rejected(1));
            assertThat(get(cache, model, pairs).origin()).isEqualTo(ReferenceLogProbs.Origin.LOADED);
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
