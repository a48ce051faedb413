package dev.allo.cli;

import ai.djl.Device;
import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny random Qwen2-architecture checkpoint with the fixtures' byte-level BPE tokenizer, written as a Hugging Face
 * directory, and a small preference JSONL: the inputs of the command-line tests.
 */
final class TinyCheckpoint {
    private TinyCheckpoint() {}

    /**
     * Writes a model directory.
     *
     * @param dir the directory to create
     * @param seed the initialisation seed
     * @return the directory
     */
    static Path write(Path dir, long seed) {
        DecoderConfig config = DecoderConfig.builder().modelType("qwen2").hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).tieWordEmbeddings(true)
                .vocabSize(TinyTokenizerJson.vocabSize()).build();
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), seed)) {
            DecoderCheckpoints.save(model, dir);
        }
        TinyTokenizerJson.write(dir);
        TinyTokenizerJson.writeConfig(dir, "<s>", "</s>", "<pad>");
        return dir;
    }

    /**
     * Writes {@code n} plain-text pairs in TRL's explicit-prompt form.
     *
     * @param file the JSONL file
     * @param n the number of pairs
     * @return the file
     */
    static Path pairs(Path file, int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("{\"prompt\": \"" + i + " + 2 = ?\", \"chosen\": \"The answer is " + (i + 2)
                    + ".\", \"rejected\": \"The answer is " + (i + 3) + ".\"}");
        }
        try {
            return Files.writeString(file, String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
