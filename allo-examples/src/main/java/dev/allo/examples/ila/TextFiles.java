package dev.allo.examples.ila;

import dev.allo.AlloException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a text file atomically: a temporary sibling file, then a rename over the target. */
public final class TextFiles {
    private TextFiles() {}

    /**
     * Writes UTF-8 text.
     *
     * @param file the target
     * @param text the content
     * @throws AlloException naming the file if writing fails; the target is then unchanged
     */
    public static void write(Path file, String text) {
        Path target = file.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new AlloException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed and is reported; a stray temporary file is harmless
                }
            }
        }
    }
}
