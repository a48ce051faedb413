package dev.allo.mask;

import dev.allo.io.ChecksummedFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A minimal safetensors writer for 0/1 masks, private to this package so that the mask module does not depend on
 * the model I/O code. Layout (safetensors spec): little-endian uint64 header length, a UTF-8 JSON header padded with
 * spaces to a multiple of 8 bytes, then the tensors' bytes back to back in mask order.
 */
final class SafetensorsMaskWriter {
    private static final int CHUNK = 1 << 20;

    private SafetensorsMaskWriter() {}

    static void write(NeuronMask mask, Path file, MaskExportType type) {
        int width = type == MaskExportType.U8 ? 1 : Float.BYTES;
        byte[] header = header(mask, type, width);
        ChecksummedFile.writeAtomically(file, "safetensors mask", out -> {
            out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK * width).order(ByteOrder.LITTLE_ENDIAN);
            for (NeuronMask.Entry e : mask.entries().values()) {
                writeTensor(out, e, chunk, type);
            }
        });
    }

    /** Streams one tensor in chunks: zeros, with ones at the selected indices (which are ascending). */
    private static void writeTensor(OutputStream out, NeuronMask.Entry e, ByteBuffer chunk, MaskExportType type)
            throws IOException {
        int[] indices = e.indices();
        int next = 0;
        for (long from = 0; from < e.size(); from += CHUNK) {
            int len = (int) Math.min(CHUNK, e.size() - from);
            byte[] bytes = chunk.array();
            if (type == MaskExportType.U8) {
                Arrays.fill(bytes, 0, len, indices == null ? (byte) 1 : (byte) 0);
                while (indices != null && next < indices.length && indices[next] < from + len) {
                    bytes[(int) (indices[next++] - from)] = 1;
                }
                out.write(bytes, 0, len);
            } else {
                chunk.clear();
                if (indices == null) {
                    for (int i = 0; i < len; i++) {
                        chunk.putFloat(i * Float.BYTES, 1f);
                    }
                } else {
                    Arrays.fill(bytes, 0, len * Float.BYTES, (byte) 0);
                    while (next < indices.length && indices[next] < from + len) {
                        chunk.putFloat((int) (indices[next++] - from) * Float.BYTES, 1f);
                    }
                }
                out.write(bytes, 0, len * Float.BYTES);
            }
        }
    }

    private static byte[] header(NeuronMask mask, MaskExportType type, int width) {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"allo-neuron-mask\",\"selected\":\"")
                .append(mask.selectedCount()).append("\",\"total\":\"").append(mask.size()).append("\"}");
        long offset = 0;
        for (Map.Entry<String, NeuronMask.Entry> e : mask.entries().entrySet()) {
            long bytes = e.getValue().size() * width;
            json.append(',');
            appendString(json, e.getKey());
            json.append(":{\"dtype\":\"").append(type.name()).append("\",\"shape\":[");
            long[] dims = e.getValue().shape().getShape();
            for (int i = 0; i < dims.length; i++) {
                json.append(i == 0 ? "" : ",").append(dims[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        // Pad with spaces so that the tensor data starts 8-byte aligned (8-byte length prefix + header).
        byte[] padded = Arrays.copyOf(bytes, (bytes.length + 7) / 8 * 8);
        Arrays.fill(padded, bytes.length, padded.length, (byte) ' ');
        return padded;
    }

    private static void appendString(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        json.append('"');
    }
}
