package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The mean logits behind TRL's {@code logits/chosen}: {@code meanLogits[b, t] = mean_v logits[b, t - 1, v]}. */
class TokenLogProbsMeanLogitsTest {

    @Test
    void meanLogitsAreTheVocabularyMeanOfTheLogitsThatScoreEachTokenChunkedOrNot() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(24).numHiddenLayers(1)
                .numAttentionHeads(2).vocabSize(37).build();
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 8);
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {3, 9, 4, 1, 30, 2, 7, 7, 5, 0}, new Shape(2, 5));
            NDArray mask = m.ones(new Shape(2, 5));
            float[][][] logits = ModelTestSupport.array3(model.forward(ids, mask)); // (B, T, V)
            for (TokenLogProbs lp : new TokenLogProbs[] {TokenLogProbs.unchunked(), TokenLogProbs.chunked(2)}) {
                NDArray[] out = lp.computeWithMeanLogits(model, ids, mask, mask);
                assertThat(out[0].toFloatArray()).containsExactly(lp.compute(model, ids, mask, mask).toFloatArray());
                float[] mean = out[1].toFloatArray();
                for (int b = 0; b < 2; b++) {
                    assertThat(mean[b * 5]).isZero();
                    for (int t = 1; t < 5; t++) {
                        double sum = 0;
                        for (float v : logits[b][t - 1]) {
                            sum += v;
                        }
                        assertThat((double) mean[b * 5 + t]).as("b=%d t=%d", b, t).isCloseTo(sum / 37, within(1e-5));
                    }
                }
            }
        }
    }
}
