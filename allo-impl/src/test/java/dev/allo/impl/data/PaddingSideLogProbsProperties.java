package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.data.PaddingSide;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.PreferenceExample;
import dev.allo.data.SequenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.fixtures.data.DataGenerators;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batches padded on the left, on the right, or to a multiple, give the same per-token log-probabilities for every
 * real response token as each pair alone, under the foundation model.
 */
class PaddingSideLogProbsProperties {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();
    private static DecoderModel model;

    @BeforeAll
    static void buildModel() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize()).build();
        model = DecoderModel.random(config, Device.cpu(), 23);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void leftAndRightPaddingGiveTheUnpaddedLogProbs() {
        qt().withFixedSeed(31).withExamples(10)
                .forAll(lists().of(DataGenerators.asciiStrings(1, 10)).ofSizeBetween(2, 5), integers().between(1, 8))
                .checkAssert((texts, multiple) -> {
                    List<TokenizedPair> pairs = new ArrayList<>();
                    for (int i = 0; i < texts.size(); i++) {
                        PreferenceExample ex = PreferenceExample.of("p" + texts.get(i), "c" + i, texts.get(i));
                        pairs.add(TokenizedPair.unweighted(i, ex, TOKENIZER.encode(ex.prompt()),
                                TOKENIZER.encode(ex.chosen()), TOKENIZER.encode(ex.rejected()), Optional.empty()));
                    }
                    int pad = PreferenceCollator.padIdFor(TOKENIZER);
                    List<float[]> left = responseLogProbs(new PreferenceCollator(PaddingSide.LEFT, multiple, pad),
                            pairs);
                    List<float[]> right = responseLogProbs(new PreferenceCollator(PaddingSide.RIGHT, 1, pad),
                            pairs);
                    for (int i = 0; i < pairs.size(); i++) {
                        List<float[]> alone = responseLogProbs(new PreferenceCollator(PaddingSide.RIGHT, 1, pad),
                                pairs.subList(i, i + 1));
                        assertClose(left.get(i), alone.get(0), "left-padded pair " + i);
                        assertClose(right.get(i), alone.get(0), "right-padded pair " + i);
                    }
                });
    }

    /** The rejected response tokens' log-probs of each row, in order, padding and prompt removed. */
    private static List<float[]> responseLogProbs(PreferenceCollator collator, List<TokenizedPair> pairs) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PreferenceBatch batch = collator.collate(pairs, m);
            SequenceBatch rejected = batch.rejected();
            NDArray logProbs = TokenLogProbs.unchunked().compute(model, rejected.ids(), rejected.attentionMask(),
                    rejected.responseMask()); // (B, T)
            float[] flat = logProbs.toFloatArray();
            float[] mask = rejected.responseMask().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                    .toFloatArray();
            int t = (int) logProbs.getShape().get(1);
            List<float[]> out = new ArrayList<>();
            for (int b = 0; b < pairs.size(); b++) {
                List<Float> row = new ArrayList<>();
                for (int j = 0; j < t; j++) {
                    if (mask[b * t + j] > 0) {
                        row.add(flat[b * t + j]);
                    }
                }
                float[] r = new float[row.size()];
                for (int j = 0; j < r.length; j++) {
                    r[j] = row.get(j);
                }
                out.add(r);
            }
            return out;
        }
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what + " token count").hasSameSizeAs(expected);
        for (int j = 0; j < expected.length; j++) {
            assertThat((double) actual[j]).as("%s token %d", what, j)
                    .isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(expected[j]))));
        }
    }
}
