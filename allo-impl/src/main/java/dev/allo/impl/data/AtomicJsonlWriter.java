package dev.allo.impl.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes JSON Lines to a temporary file beside the target and renames it over the target on {@link #commit()}, so
 * the target is either the old file or the complete new one: never half-written. Closing without committing (for
 * example after an exception) deletes the temporary file and leaves the target untouched.
 *
 * <pre>{@code
 * try (AtomicJsonlWriter w = AtomicJsonlWriter.open(target)) {
 *     for (...) w.write(Map.of("prompt", ..., ...));
 *     w.commit();
 * }
 * }</pre>
 */
public final class AtomicJsonlWriter implements AutoCloseable {

    private static final ObjectMapper MAPPER = JsonlPreferenceReader.MAPPER;

    private final Path target;
    private final Path temp;
    private final OutputStream out;
    private long lines;
    private boolean committed;
    private boolean closed;

    private AtomicJsonlWriter(Path target) {
        this.target = target.toAbsolutePath();
        try {
            Path dir = this.target.getParent();
            Files.createDirectories(dir);
            this.temp = Files.createTempFile(dir, "." + this.target.getFileName() + ".", ".tmp");
            this.out = new BufferedOutputStream(Files.newOutputStream(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING), 1 << 16);
        } catch (IOException e) {
            throw new AlloException("cannot create a temporary file beside " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts writing a file.
     *
     * @param target the file that will exist after {@link #commit()}
     * @return the writer; the caller closes it
     * @throws AlloException if the temporary file cannot be created
     */
    public static AtomicJsonlWriter open(Path target) {
        return new AtomicJsonlWriter(target);
    }

    /**
     * Writes one line: any value Jackson can serialise as a JSON object (a {@code Map}, a record, a tree node).
     *
     * @param value the line's object
     * @throws IllegalStateException after commit or close
     * @throws AlloException if the value cannot be serialised or written
     */
    public void write(Object value) {
        if (committed || closed) {
            throw new IllegalStateException("write() after " + (committed ? "commit()" : "close()") + " of the"
                    + " writer for " + target);
        }
        try {
            out.write(MAPPER.writeValueAsBytes(value));
            out.write('\n');
            lines++;
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot serialise line " + (lines + 1) + " for " + target + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new AlloException("cannot write line " + (lines + 1) + " to " + temp + ": " + e.getMessage(), e);
        }
    }

    /**
     * The number of lines written so far.
     *
     * @return the count
     */
    public long lines() {
        return lines;
    }

    /**
     * Flushes, forces the data to disk and atomically renames the temporary file to the target.
     *
     * @throws IllegalStateException if already committed or closed
     * @throws AlloException if the data cannot be written or renamed
     */
    public void commit() {
        if (committed || closed) {
            throw new IllegalStateException("commit() after " + (committed ? "commit()" : "close()") + " of the"
                    + " writer for " + target);
        }
        try {
            out.close();
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new AlloException("the file system of " + target + " cannot rename atomically; refusing to"
                        + " write it non-atomically", e);
            }
            committed = true;
        } catch (IOException e) {
            throw new AlloException("cannot commit " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the temporary file unless {@link #commit()} succeeded. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed) {
            try {
                out.close();
            } catch (IOException e) {
                // The temporary file is deleted below anyway.
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                throw new AlloException("cannot delete temporary file " + temp + ": " + e.getMessage(), e);
            }
        }
    }
}
