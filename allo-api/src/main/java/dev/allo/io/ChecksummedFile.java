package dev.allo.io;

import dev.allo.AlloException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The library's own small binary files (masks, importance scores): a body followed by the CRC32 of the body as a
 * big-endian long; and atomic writes of any file. Writes go to a temporary file in the target's directory that is then renamed over the target,
 * so a reader never sees a half-written file; reads check the checksum and that nothing follows it.
 */
public final class ChecksummedFile {
    private static final int BUFFER = 1 << 16;
    private static final int MAX_NAME_BYTES = 1 << 16;
    private static final int MAX_RANK = 32;

    private ChecksummedFile() {}

    /** Writes a file's body. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the body.
         *
         * @param out the stream, whose bytes are checksummed
         * @throws IOException if writing fails
         */
        void write(DataOutputStream out) throws IOException;
    }

    /**
     * Reads a file's body.
     *
     * @param <T> what the body decodes to
     */
    @FunctionalInterface
    public interface Parser<T> {
        /**
         * Reads the body.
         *
         * @param in the stream, whose bytes are checksummed and which knows how many body bytes remain
         * @return the decoded value
         * @throws IOException if reading fails
         */
        T read(BodyInput in) throws IOException;
    }

    /**
     * The body stream of a file being read: a {@link DataInputStream} that counts what it has read, so that a parser
     * can bound a size read from the file by the bytes the file actually holds before it allocates anything.
     */
    public static final class BodyInput extends DataInputStream {
        private final CountingInputStream counter;
        private final long bodyBytes;

        private BodyInput(CountingInputStream counter, long bodyBytes) {
            super(counter);
            this.counter = counter;
            this.bodyBytes = bodyBytes;
        }

        /**
         * The body bytes not yet read: the file size, less the 8-byte checksum, less what was read.
         *
         * @return the count, never negative
         */
        public long remaining() {
            return Math.max(0, bodyBytes - counter.count);
        }
    }

    /** Counts the bytes read through it. */
    private static final class CountingInputStream extends FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }

    /**
     * Writes {@code body} and its checksum atomically.
     *
     * @param file the target file; its directory is created if needed
     * @param kind what the file holds, for messages ("mask", "scores")
     * @param body the body writer
     * @throws AlloException naming the file if it cannot be written; the target is then untouched
     */
    public static void write(Path file, String kind, Body body) {
        writeAtomically(file, kind + " file", raw -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc));
            body.write(out);
            out.flush();
            new DataOutputStream(raw).writeLong(crc.getValue());
        });
    }

    /** Writes a file's raw bytes. */
    @FunctionalInterface
    public interface RawBody {
        /**
         * Writes the bytes.
         *
         * @param out the buffered stream of the temporary file
         * @throws IOException if writing fails
         */
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes a file atomically, without a checksum: to a temporary file in the target's directory, then renamed over
     * the target.
     *
     * @param file the target file; its directory is created if needed
     * @param what the file's description for messages ("safetensors mask")
     * @param body the byte writer
     * @throws AlloException naming the file if it cannot be written; the target is then untouched
     */
    public static void writeAtomically(Path file, String what, RawBody body) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), BUFFER)) {
                body.write(raw);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AlloException("cannot write " + what + " " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Only the temporary file is left behind; the destination is untouched.
                }
            }
        }
    }

    /**
     * Reads a body and checks its checksum.
     *
     * @param <T> what the body decodes to
     * @param file the file
     * @param kind what the file holds, for messages
     * @param parser the body reader
     * @return the decoded value
     * @throws AlloException naming the file when it is missing, truncated, fails its checksum or has trailing bytes
     */
    public static <T> T read(Path file, String kind, Parser<T> parser) {
        CRC32 crc = new CRC32();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER)) {
            long bodyBytes = Files.size(file) - Long.BYTES;
            T value = parser.read(new BodyInput(new CountingInputStream(new CheckedInputStream(raw, crc)),
                    bodyBytes));
            long computed = crc.getValue();
            long stored = new DataInputStream(raw).readLong();
            if (stored != computed) {
                throw corrupted(file, kind, String.format("CRC32 checksum mismatch: stored %08x, computed %08x",
                        stored, computed));
            }
            if (raw.read() != -1) {
                throw corrupted(file, kind, "unexpected bytes after the checksum");
            }
            return value;
        } catch (EOFException e) {
            throw corrupted(file, kind, "the file is truncated");
        } catch (IOException e) {
            throw new AlloException("cannot read " + kind + " file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the header every such file starts with: its magic bytes, then its format version.
     *
     * @param out the body stream
     * @param magic the file type's magic bytes
     * @param version the format version
     * @throws IOException if writing fails
     */
    public static void writeHeader(DataOutputStream out, byte[] magic, int version) throws IOException {
        out.write(magic);
        out.writeInt(version);
    }

    /**
     * Reads and checks the header written by {@link #writeHeader}.
     *
     * @param in the body stream
     * @param file the file, for messages
     * @param kind what the file holds, for messages
     * @param magic the expected magic bytes
     * @param version the supported format version
     * @throws IOException if reading fails
     * @throws AlloException naming the file and the expected and found value when the magic or version differs
     */
    public static void readHeader(DataInputStream in, Path file, String kind, byte[] magic, int version)
            throws IOException {
        byte[] found = new byte[magic.length];
        in.readFully(found);
        if (!Arrays.equals(found, magic)) {
            throw new AlloException("not an ALLO " + kind + " file: " + file + " (expected magic '"
                    + new String(magic, StandardCharsets.ISO_8859_1) + "', found '"
                    + new String(found, StandardCharsets.ISO_8859_1) + "')");
        }
        int foundVersion = in.readInt();
        if (foundVersion != version) {
            throw new AlloException("unsupported " + kind + " file version in " + file + ": expected " + version
                    + ", found " + foundVersion);
        }
    }

    /**
     * A tensor entry's header: its name and dimensions, as {@link #writeTensorHeader} writes them.
     *
     * @param name the tensor name
     * @param dims the dimensions
     * @param size the number of elements, the product of the dimensions
     */
    public record TensorHeader(String name, long[] dims, long size) {}

    /**
     * Writes a tensor entry's header: {@code int32 nameLength, UTF-8 name, int32 rank, int64 dims[rank]}.
     *
     * @param out the body stream
     * @param name the tensor name
     * @param dims the dimensions
     * @throws IOException if writing fails
     */
    public static void writeTensorHeader(DataOutputStream out, String name, long[] dims) throws IOException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.writeInt(dims.length);
        for (long d : dims) {
            out.writeLong(d);
        }
    }

    /**
     * Reads and checks a tensor entry's header written by {@link #writeTensorHeader}.
     *
     * @param in the body stream
     * @param file the file, for messages
     * @param kind what the file holds, for messages
     * @param index the entry's position in the file, for messages
     * @param maxElements the most elements a tensor may have
     * @return the header
     * @throws IOException if reading fails
     * @throws AlloException naming the file and the tensor when the name length, rank or a dimension is invalid
     */
    public static TensorHeader readTensorHeader(DataInputStream in, Path file, String kind, int index,
            long maxElements) throws IOException {
        int nameLength = in.readInt();
        if (nameLength < 0 || nameLength > MAX_NAME_BYTES) {
            throw corrupted(file, kind, "tensor #" + index + " has a name length of " + nameLength + " bytes");
        }
        byte[] nameBytes = new byte[nameLength];
        in.readFully(nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        int rank = in.readInt();
        if (rank < 0 || rank > MAX_RANK) {
            throw corrupted(file, kind, "tensor '" + name + "' has rank " + rank);
        }
        long[] dims = new long[rank];
        long size = 1;
        for (int d = 0; d < rank; d++) {
            dims[d] = in.readLong();
            if (dims[d] < 0 || (dims[d] > 0 && size > maxElements / dims[d])) {
                throw corrupted(file, kind, "tensor '" + name + "' has an invalid dimension " + dims[d]);
            }
            size *= dims[d];
        }
        return new TensorHeader(name, dims, size);
    }

    /**
     * Checks that the file still holds {@code bytes} body bytes, before a parser allocates room for them.
     *
     * @param in the body stream
     * @param bytes the bytes about to be read, as the file declares them
     * @param file the file, for messages
     * @param kind what the file holds, for messages
     * @param what what the bytes are, for messages ("tensor 'w' (3 x 4 float32)")
     * @throws AlloException naming the file, the declared size and the bytes left when the file is too short
     */
    public static void requireRemaining(BodyInput in, long bytes, Path file, String kind, String what) {
        long left = in.remaining();
        if (bytes < 0 || bytes > left) {
            throw corrupted(file, kind, "it declares " + what + " (" + bytes + " bytes), but only " + left
                    + " bytes of the file remain before its checksum (the file is truncated or the size is wrong)");
        }
    }

    /**
     * The error for a file whose content is not valid.
     *
     * @param file the file
     * @param kind what the file holds
     * @param detail what is wrong
     * @return the exception to throw
     */
    public static AlloException corrupted(Path file, String kind, String detail) {
        return new AlloException(kind + " file " + file + " is corrupted: " + detail);
    }
}
