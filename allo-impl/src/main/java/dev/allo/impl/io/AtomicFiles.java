package dev.allo.impl.io;

import dev.allo.AlloException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Writing files so that a reader sees either the old content or the complete new content, never a half-written
 * file: write a temporary file in the same directory, force it to disk, rename it over the target, force the
 * directory. Also the helpers for the same pattern on directories: an atomic rename and the deletion of a tree.
 */
public final class AtomicFiles {

    /** Writes the content of a file through an open channel. */
    @FunctionalInterface
    interface Content {
        /**
         * Writes the whole content.
         *
         * @param channel the temporary file, open for writing at position 0
         * @throws IOException if writing fails
         */
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes a file atomically.
     *
     * @param target the file to create or replace
     * @param content writes the bytes
     * @throws AlloException naming the target if anything fails; the target is then unchanged and no temporary file
     *     is left behind
     */
    static void write(Path target, Content content) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            move(tmp, absolute);
            tmp = null;
            forceDirectory(dir);
        } catch (IOException e) {
            throw new AlloException("cannot write " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Writes bytes to a file atomically.
     *
     * @param target the file to create or replace
     * @param bytes the content
     * @throws AlloException naming the target if anything fails
     */
    static void write(Path target, byte[] bytes) {
        write(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Renames a file or a directory atomically, replacing the target; falls back to a plain replace where atomic
     * moves are unsupported (for example across file stores).
     *
     * @param from the existing file or directory
     * @param to the new path, in the same directory for the rename to be atomic
     * @throws IOException if the move fails (for example a non-empty directory is in the way)
     */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Forces a directory's entries to disk, so that a rename survives a crash (a no-op where unsupported). */
    static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some platforms cannot open or sync a directory; the rename itself is still atomic there.
        }
    }

    /**
     * Deletes a file or a directory tree; failures are ignored (used for clean-up only).
     *
     * @param path the file or directory; nothing happens if it does not exist
     */
    public static void deleteQuietly(Path path) {
        try {
            if (Files.isDirectory(path)) {
                deleteTree(path);
            } else {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // Clean-up of a temporary path: nothing useful to do on failure.
        }
    }

    /**
     * Deletes a directory and everything below it (or a single file), files before their directories.
     *
     * @param root the directory or file, which must exist
     * @throws IOException if {@code root} does not exist or an entry cannot be deleted; what was deleted before
     *     stays deleted
     */
    public static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
