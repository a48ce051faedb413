package dev.allo.examples.quickstart;

import dev.allo.impl.model.DecoderConfig;
import dev.allo.tokenizer.Tokenizer;
import java.util.List;

/** The examples' tiny LLaMA configurations. */
public final class TinyModels {
    private TinyModels() {}

    /**
     * A LLaMA configuration for a tokenizer: heads of width 16 ({@code max(1, hidden / 16)} of them), half as many
     * key/value heads when that is a whole number, an MLP of {@code 8/3} the hidden size rounded up to a multiple of
     * 8, and the tokenizer's BOS, EOS and PAD ids.
     *
     * @param tokenizer the tokenizer, with BOS, EOS and PAD ids
     * @param hidden the hidden size
     * @param layers the number of decoder layers
     * @param maxPositions the longest sequence
     * @return the configuration
     */
    public static DecoderConfig config(Tokenizer tokenizer, int hidden, int layers, int maxPositions) {
        int heads = Math.max(1, hidden / 16);
        int kvHeads = heads % 2 == 0 ? heads / 2 : heads;
        int intermediate = (hidden * 8 / 3 + 7) / 8 * 8;
        return DecoderConfig.builder().hiddenSize(hidden).intermediateSize(intermediate).numHiddenLayers(layers)
                .numAttentionHeads(heads).numKeyValueHeads(kvHeads).vocabSize(tokenizer.vocabSize())
                .maxPositionEmbeddings(maxPositions).bosTokenId(tokenizer.bosId().orElseThrow())
                .eosTokenIds(List.of(tokenizer.eosId().orElseThrow()))
                .padTokenId(tokenizer.padId().orElseThrow()).build();
    }
}
