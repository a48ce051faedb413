package dev.allo.spark;

import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a tiny model and {@code n} pairs for the standalone-cluster script and the benchmark:
 * {@code DevFixture DIR N [HIDDEN] [LAYERS]} creates {@code DIR/model/} and {@code DIR/pairs.jsonl}.
 */
public final class DevFixture {
    private DevFixture() {}

    /**
     * Writes the fixture.
     *
     * @param args the directory, the number of pairs, optionally the hidden size and the number of layers
     * @throws Exception if it cannot be written
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        int hidden = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int layers = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Files.createDirectories(dir);
        DecoderConfig config = DecoderConfig.builder().hiddenSize(hidden).intermediateSize(2 * hidden)
                .numHiddenLayers(layers).numAttentionHeads(4).numKeyValueHeads(2)
                .vocabSize(SparkTestSupport.TOKENIZER.vocabSize()).build();
        try (DecoderModel model = DecoderModel.random(config, ai.djl.Device.cpu(), 7)) {
            DecoderCheckpoints.save(model, dir.resolve("model"));
        }
        SparkTestSupport.write(dir.resolve("pairs.jsonl"), SparkTestSupport.pairsJsonlLines(SparkTestSupport.pairs(n)));
    }
}
