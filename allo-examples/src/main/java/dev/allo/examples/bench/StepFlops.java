package dev.allo.examples.bench;

import dev.allo.impl.model.DecoderConfig;

/**
 * The floating-point operations of one forward+backward step of a decoder, as the model benchmarks count them:
 * {@code 6 N BT + 12 L D T BT} for B sequences of T tokens. The factor 6 is forward (2) plus backward (4) per
 * parameter and token (Kaplan et al., arXiv 2001.08361, section 2.1); the second term is the attention score and
 * weighting products ({@code QK^T} and {@code PV}: 2 x 2 T^2 D per layer and sequence forward, with D the query width
 * {@code heads x head_dim}, times 3 with backward), counted over the full T x T square that the causal mask does not
 * save.
 */
final class StepFlops {

    private StepFlops() {}

    /**
     * The parameters that enter matrix products: every attention and MLP projection weight and the output head (the
     * tied embedding once more, when the embeddings are tied); not the embedding lookup, which multiplies nothing,
     * nor the norm weights and biases, which are added or scaled element-wise.
     *
     * @param config the model's configuration
     * @return {@code L (2 D H + 2 D_kv H + 3 I H) + V H}
     */
    static long matrixProductParameters(DecoderConfig config) {
        long h = config.hiddenSize();
        long perLayer = 2L * config.queryDim() * h + 2L * config.keyValueDim() * h + 3L * config.intermediateSize() * h;
        return perLayer * config.numHiddenLayers() + (long) config.vocabSize() * h;
    }

    /**
     * The attention term of one forward+backward step.
     *
     * @param config the model's configuration
     * @param batch B
     * @param seq T
     * @return {@code 12 L D T BT}
     */
    static double attention(DecoderConfig config, int batch, int seq) {
        return 12.0 * config.numHiddenLayers() * config.queryDim() * seq * ((double) batch * seq);
    }

    /**
     * The FLOPs of one forward+backward step, counting {@code parameters} as N.
     *
     * @param parameters N: {@link #matrixProductParameters} or all parameters (the common rule of thumb)
     * @param config the model's configuration
     * @param batch B
     * @param seq T
     * @return {@code 6 N BT + 12 L D T BT}
     */
    static double forwardBackward(long parameters, DecoderConfig config, int batch, int seq) {
        return 6.0 * parameters * ((double) batch * seq) + attention(config, batch, seq);
    }
}
