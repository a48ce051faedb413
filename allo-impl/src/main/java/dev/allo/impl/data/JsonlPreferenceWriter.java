package dev.allo.impl.data;

import dev.allo.data.PreferenceExample;
import dev.allo.data.SupervisedExample;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes examples as JSON Lines in the format {@link JsonlPreferenceReader} reads, atomically (see
 * {@link AtomicJsonlWriter}): {@code id} (if present), {@code prompt}, {@code chosen}, {@code rejected},
 * {@code reference} (if present), then every metadata entry as a field of its own. Reading the file back gives equal
 * examples in the same order (conversational input is written in its rendered, plain form).
 *
 * <p>Use it to save derived data in the reader's format, for example a train/test split.
 */
public final class JsonlPreferenceWriter implements AutoCloseable {

    private final AtomicJsonlWriter out;

    private JsonlPreferenceWriter(Path target) {
        this.out = AtomicJsonlWriter.open(target);
    }

    /**
     * Starts writing a file.
     *
     * @param target the file that will exist after {@link #commit()}
     * @return the writer; the caller closes it
     */
    public static JsonlPreferenceWriter open(Path target) {
        return new JsonlPreferenceWriter(target);
    }

    /**
     * Writes all examples and commits.
     *
     * @param target the file
     * @param examples the examples, in order
     * @return the number written
     */
    public static long writeAll(Path target, Iterable<PreferenceExample> examples) {
        try (JsonlPreferenceWriter w = open(target)) {
            examples.forEach(w::write);
            w.commit();
            return w.out.lines();
        }
    }

    /**
     * Writes supervised examples ({@code prompt}, {@code completion}, optional {@code id}: TRL's prompt-completion
     * format) and commits; for example a rewriter's training set.
     *
     * @param target the file
     * @param examples the examples, in order
     * @return the number written
     */
    public static long writeSupervised(Path target, Iterable<SupervisedExample> examples) {
        try (AtomicJsonlWriter w = AtomicJsonlWriter.open(target)) {
            for (SupervisedExample e : examples) {
                Map<String, Object> line = new LinkedHashMap<>();
                e.id().ifPresent(id -> line.put("id", id));
                line.put("prompt", e.prompt());
                line.put("completion", e.completion());
                w.write(line);
            }
            w.commit();
            return w.lines();
        }
    }

    /**
     * Writes one example.
     *
     * @param e the example
     */
    public void write(PreferenceExample e) {
        out.write(toLine(e));
    }

    /** Makes the file appear, complete. */
    public void commit() {
        out.commit();
    }

    /** Removes the temporary file if not committed. */
    @Override
    public void close() {
        out.close();
    }

    static Map<String, Object> toLine(PreferenceExample e) {
        Map<String, Object> line = new LinkedHashMap<>();
        e.id().ifPresent(id -> line.put("id", id));
        line.put("prompt", e.prompt());
        line.put("chosen", e.chosen());
        line.put("rejected", e.rejected());
        e.reference().ifPresent(r -> line.put("reference", r));
        line.putAll(e.metadata());
        return line;
    }
}
