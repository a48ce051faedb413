package dev.allo.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.impl.model.DecoderConfig;
import org.junit.jupiter.api.Test;

class StepFlopsTest {
    @Test
    void qwen25CountsEveryProjectionAndTheTiedHeadButNoBiasesOrNorms() {
        DecoderConfig qwen = Qwen25ScaleBenchmark.qwen25(24);
        long h = 896;
        long kv = 2 * 64;
        long perLayer = h * h + kv * h + kv * h + h * h + 3 * 4864 * h; // q, k, v, o, gate/up/down
        long head = 151_936 * h; // the tied embedding, multiplied once as the output head
        long biasesAndNorms = 24 * (h + kv + kv) + (2 * 24 + 1) * h;

        assertThat(StepFlops.matrixProductParameters(qwen)).isEqualTo(24 * perLayer + head).isEqualTo(493_961_216L);
        assertThat(qwen.parameterCount() - StepFlops.matrixProductParameters(qwen)).isEqualTo(biasesAndNorms);
    }

    @Test
    void anUntiedModelCountsTheHeadButNotTheEmbeddingLookup() {
        DecoderConfig llama = DecoderConfig.builder().hiddenSize(16).intermediateSize(40).numHiddenLayers(3)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(50).tieWordEmbeddings(false).build();
        long embedding = 50 * 16;
        long norms = (2 * 3 + 1) * 16;
        assertThat(llama.parameterCount() - StepFlops.matrixProductParameters(llama)).isEqualTo(embedding + norms);
    }

    @Test
    void aStepIsSixFlopsPerParameterAndTokenPlusTheAttentionSquare() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(64).intermediateSize(128).numHiddenLayers(2)
                .numAttentionHeads(2).vocabSize(100).build();
        // 2 layers x (QK^T + PV = 2 x 2 T^2 D forward, x 3 with backward) per sequence, 3 sequences of 8 tokens.
        double attention = 3 * 2 * (2 * 2.0 * 8 * 8 * 64) * 3;
        assertThat(StepFlops.attention(config, 3, 8)).isEqualTo(attention);
        assertThat(StepFlops.forwardBackward(1000, config, 3, 8)).isEqualTo(6.0 * 1000 * 24 + attention);
    }
}
