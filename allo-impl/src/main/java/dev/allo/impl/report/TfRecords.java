package dev.allo.impl.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files: each record is
 *
 * <pre>
 * uint64 length              little-endian
 * uint32 masked_crc32c(length bytes)
 * byte   data[length]
 * uint32 masked_crc32c(data)
 * </pre>
 *
 * <p>with {@code masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8} (mod 2^32) over the CRC-32C (Castagnoli)
 * checksum.
 */
public final class TfRecords {
    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {}

    /**
     * The masked CRC-32C of bytes.
     *
     * @param bytes the bytes
     * @param offset the first byte
     * @param length how many bytes
     * @return the masked checksum
     */
    public static int maskedCrc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /**
     * One framed record.
     *
     * @param data the payload
     * @return header, payload and footer
     */
    public static byte[] frame(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(maskedCrc(b.array(), 0, 8));
        b.put(data);
        b.putInt(maskedCrc(data, 0, data.length));
        return b.array();
    }

    /**
     * The payloads of the complete records at the start of a stream: reading stops at the end of the stream or at
     * the first record that is cut short or fails a checksum (what a kill during a write leaves).
     *
     * @param in the stream
     * @return the payloads in order
     * @throws IOException if reading fails
     */
    public static List<byte[]> readIntact(InputStream in) throws IOException {
        List<byte[]> out = new ArrayList<>();
        while (true) {
            byte[] header = in.readNBytes(12);
            if (header.length < 12) {
                return out;
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            long length = h.getLong();
            if (h.getInt() != maskedCrc(header, 0, 8) || length < 0 || length > Integer.MAX_VALUE - 8) {
                return out;
            }
            byte[] data = in.readNBytes((int) length);
            byte[] footer = in.readNBytes(4);
            if (data.length < length || footer.length < 4
                    || ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt() != maskedCrc(data, 0,
                            data.length)) {
                return out;
            }
            out.add(data);
        }
    }
}
