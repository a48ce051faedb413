package dev.allo.spark;

import dev.allo.AlloException;
import dev.allo.impl.tokenizer.HuggingFaceJsonTokenizer;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the executors get the tokenizer: {@value #BYTE} for the built-in {@link ByteTokenizer}, or the path of a
 * Hugging Face {@code tokenizer.json} every executor can read. Loaded once per JVM.
 *
 * @param spec {@value #BYTE} or a path
 */
public record TokenizerSource(String spec) implements Serializable {
    /** The spec of the built-in byte-level tokenizer. */
    public static final String BYTE = "byte";

    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    /** Checks the spec. */
    public TokenizerSource {
        Objects.requireNonNull(spec, "spec");
        if (spec.isBlank()) {
            throw new IllegalArgumentException("tokenizer must be \"byte\" or the path of a tokenizer.json");
        }
    }

    /**
     * The built-in byte-level tokenizer.
     *
     * @return the source
     */
    public static TokenizerSource bytes() {
        return new TokenizerSource(BYTE);
    }

    /**
     * The tokenizer, loaded the first time this JVM asks for it.
     *
     * @return the shared tokenizer
     * @throws AlloException naming the path when it cannot be read
     */
    public Tokenizer load() {
        return LOADED.computeIfAbsent(spec, s -> {
            if (s.equals(BYTE)) {
                return ByteTokenizer.create();
            }
            Path file = Path.of(s);
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new AlloException("tokenizer file " + s + " is not readable on this host: every executor must"
                        + " be able to read it");
            }
            return HuggingFaceJsonTokenizer.load(file);
        });
    }
}
