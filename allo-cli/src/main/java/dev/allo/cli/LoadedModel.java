package dev.allo.cli;

import ai.djl.Device;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.tokenizer.HuggingFaceJsonTokenizer;
import java.nio.file.Path;

/**
 * A model directory loaded for a command: the decoder and its Hugging Face tokenizer, closed together.
 *
 * @param directory the directory
 * @param model the model
 * @param tokenizer the tokenizer from the directory's {@code tokenizer.json}
 */
record LoadedModel(Path directory, DecoderModel model, HuggingFaceJsonTokenizer tokenizer) implements AutoCloseable {

    /**
     * Loads a directory.
     *
     * @param dir a Hugging Face model directory (checked first)
     * @param option the option that named it, for messages
     * @param device where the weights go
     * @return the loaded model; the caller closes it
     */
    static LoadedModel load(Path dir, String option, Device device) {
        ModelFiles.requireModel(dir, option);
        HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(dir);
        try {
            return new LoadedModel(dir, DecoderCheckpoints.load(dir, device), tokenizer);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            tokenizer.close();
        }
    }
}
