package dev.allo.impl.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a TensorBoard event file with code of its own, independent of the writer: TFRecord framing checked with
 * Guava's CRC-32C (the writer uses {@code java.util.zip.CRC32C}), and each protobuf decoded field by field from the
 * wire format with the field numbers of TensorFlow's {@code event.proto} and {@code summary.proto}
 * ({@code Event.wall_time = 1, step = 2, file_version = 3, summary = 5}; {@code Summary.value = 1};
 * {@code Summary.Value.tag = 1, simple_value = 2}).
 */
public final class EventFileReader {
    private EventFileReader() {}

    /** One decoded event. */
    public record Event(double wallTime, Long step, String fileVersion, Map<String, Float> scalars) {}

    private static int masked(byte[] bytes) {
        int crc = Hashing.crc32c().hashBytes(bytes).asInt();
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** Every record of the file; fails on a bad length, checksum or trailing bytes. */
    public static List<Event> readAll(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] length = new byte[8];
            b.get(length);
            long n = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(b.getInt()).as("length CRC of record %d", out.size()).isEqualTo(masked(length));
            assertThat(n).isBetween(0L, (long) b.remaining() - 4);
            byte[] data = new byte[(int) n];
            b.get(data);
            assertThat(b.getInt()).as("data CRC of record %d", out.size()).isEqualTo(masked(data));
            out.add(decodeEvent(data));
        }
        return out;
    }

    private static Event decodeEvent(byte[] data) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(data);
        double wallTime = Double.NaN;
        Long step = null;
        String version = null;
        Map<String, Float> scalars = new LinkedHashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> wallTime = in.readDouble();
                case 2 -> step = in.readInt64();
                case 3 -> version = in.readString();
                case 5 -> {
                    CodedInputStream summary = CodedInputStream.newInstance(in.readByteArray());
                    for (int t = summary.readTag(); t != 0; t = summary.readTag()) {
                        assertThat(WireFormat.getTagFieldNumber(t)).as("Summary field").isEqualTo(1);
                        CodedInputStream value = CodedInputStream.newInstance(summary.readByteArray());
                        String name = null;
                        Float v = null;
                        for (int u = value.readTag(); u != 0; u = value.readTag()) {
                            switch (WireFormat.getTagFieldNumber(u)) {
                                case 1 -> name = value.readString();
                                case 2 -> v = value.readFloat();
                                default -> throw new AssertionError("unexpected Summary.Value field " + u);
                            }
                        }
                        assertThat(name).isNotNull();
                        assertThat(v).as("simple_value of %s", name).isNotNull();
                        scalars.put(name, v);
                    }
                }
                default -> throw new AssertionError("unexpected Event field " + WireFormat.getTagFieldNumber(tag));
            }
        }
        return new Event(wallTime, step, version, scalars);
    }
}
