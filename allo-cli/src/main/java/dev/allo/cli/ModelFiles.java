package dev.allo.cli;

import dev.allo.impl.io.HfCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks on the files a command is given, before anything is loaded, with messages that name the option and path. */
final class ModelFiles {
    private ModelFiles() {}

    /**
     * Checks a Hugging Face model directory: it exists and has {@code config.json} and {@code tokenizer.json}.
     *
     * @param dir the directory
     * @param option the option that named it ({@code --model})
     * @return the directory
     * @throws IllegalArgumentException naming the option, the path and what is missing
     */
    static Path requireModel(Path dir, String option) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + dir + ": no such directory (expected a Hugging Face"
                    + " model directory with config.json, model.safetensors and tokenizer.json)");
        }
        for (String name : new String[] {HfCheckpoint.CONFIG_FILE, "tokenizer.json"}) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new IllegalArgumentException(option + " " + dir + ": the directory has no " + name);
            }
        }
        return dir;
    }

    /**
     * Checks that a file exists.
     *
     * @param file the file
     * @param option the option that named it
     * @return the file
     * @throws IllegalArgumentException naming the option and the path
     */
    static Path requireFile(Path file, String option) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        return file;
    }

    /**
     * The number of parameters of a checkpoint, from its safetensors headers (no weight is read).
     *
     * @param dir the model directory
     * @return the element count of every tensor
     */
    static long parameterCount(Path dir) {
        try (HfCheckpoint files = HfCheckpoint.open(dir)) {
            return files.names().stream().mapToLong(n -> files.info(n).elementCount()).sum();
        }
    }
}
