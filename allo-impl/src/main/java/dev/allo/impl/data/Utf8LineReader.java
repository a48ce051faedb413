package dev.allo.impl.data;

import dev.allo.AlloException;
import dev.allo.data.MalformedDataException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a file line by line as strict UTF-8, holding one line in memory at a time.
 *
 * <p>Lines end at {@code \n}; a trailing {@code \r} is removed, and so is a UTF-8 byte-order mark at the start of the
 * file. Splitting bytes at {@code 0x0A} is safe because that byte never occurs inside a multi-byte UTF-8 character.
 * Decoding reports, never replaces: an ill-formed sequence (a stray continuation byte, an overlong form, an encoded
 * surrogate, a truncated character) throws {@link MalformedDataException} naming the line and the byte offset, after
 * the reader has moved past that line, so a caller that skips bad lines can go on; so does a line longer than
 * {@link #MAX_LINE_BYTES}, whose bytes are not kept.
 */
public final class Utf8LineReader implements AutoCloseable {
    /** The longest line read, in bytes (256 MiB); a longer one is reported as malformed and skipped. */
    public static final int MAX_LINE_BYTES = 1 << 28;

    private final Path file;
    private final InputStream in;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkLen;
    private byte[] line = new byte[1024];
    private long lineNumber;
    private boolean eof;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private CharBuffer chars = CharBuffer.allocate(1024);

    /**
     * Opens a file.
     *
     * @param file the file
     * @throws AlloException if it cannot be opened
     */
    public Utf8LineReader(Path file) {
        this.file = file;
        try {
            this.in = Files.newInputStream(file);
        } catch (IOException e) {
            throw new AlloException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The 1-based number of the line last returned (or that failed to decode).
     *
     * @return the line number, 0 before the first line
     */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * Reads the next line.
     *
     * @return the line without its terminator, or {@code null} at the end of the file
     * @throws MalformedDataException if the line is not valid UTF-8
     * @throws AlloException if reading fails
     */
    public String next() {
        int len = 0;
        long dropped = 0;
        boolean sawAny = false;
        while (true) {
            if (chunkPos == chunkLen) {
                if (eof || !fill()) {
                    eof = true;
                    break;
                }
            }
            sawAny = true;
            byte b = chunk[chunkPos++];
            if (b == '\n') {
                break;
            }
            if (len == MAX_LINE_BYTES) {
                dropped++;
                continue;
            }
            if (len == line.length) {
                line = Arrays.copyOf(line, (int) Math.min(MAX_LINE_BYTES, 2L * line.length));
            }
            line[len++] = b;
        }
        if (!sawAny) {
            return null;
        }
        lineNumber++;
        if (dropped > 0) {
            throw new MalformedDataException(file, lineNumber, null, "the line has " + (len + dropped)
                    + " bytes, more than the limit of " + MAX_LINE_BYTES + " bytes");
        }
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        int start = 0;
        if (lineNumber == 1 && len >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB
                && line[2] == (byte) 0xBF) {
            start = 3;
        }
        return decode(start, len);
    }

    private String decode(int start, int end) {
        int n = end - start;
        boolean ascii = true;
        for (int i = start; i < end && ascii; i++) {
            ascii = line[i] >= 0;
        }
        if (ascii) {
            return new String(line, start, n, StandardCharsets.ISO_8859_1); // fast path, identical for ASCII
        }
        if (chars.capacity() < n) {
            chars = CharBuffer.allocate(Math.max(n, chars.capacity() * 2));
        }
        chars.clear();
        decoder.reset();
        ByteBuffer bytes = ByteBuffer.wrap(line, start, n);
        CoderResult r = decoder.decode(bytes, chars, true);
        if (!r.isError()) {
            r = decoder.flush(chars);
        }
        if (r.isError()) {
            int at = bytes.position() - start;
            StringBuilder bad = new StringBuilder();
            for (int i = 0; i < r.length() && bytes.position() + i < end; i++) {
                bad.append(String.format(" 0x%02X", line[bytes.position() + i] & 0xFF));
            }
            throw new MalformedDataException(file, lineNumber, null, "invalid UTF-8 at byte " + at
                    + " of the line (bytes" + bad + "); expected well-formed UTF-8");
        }
        chars.flip();
        return chars.toString();
    }

    private boolean fill() {
        try {
            int r = in.read(chunk, 0, chunk.length);
            if (r <= 0) {
                return false;
            }
            chunkPos = 0;
            chunkLen = r;
            return true;
        } catch (IOException e) {
            throw new AlloException("cannot read " + file + " after line " + lineNumber + ": " + e.getMessage(), e);
        }
    }

    /** Closes the file. */
    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new AlloException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
