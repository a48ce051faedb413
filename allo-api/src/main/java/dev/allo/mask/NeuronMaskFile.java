package dev.allo.mask;

import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.io.ChecksummedFile;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * The binary mask format, version 1 (big-endian):
 *
 * <pre>
 * "ALLOMASK"                      8 bytes magic
 * int32 version = 1
 * int32 tensorCount
 * tensorCount times:
 *   int32 nameLength, UTF-8 name bytes
 *   int32 rank, int64 dims[rank]
 *   byte kind                     1 = every element selected, 0 = index list
 *   kind 0: int32 count, int32 indices[count]   strictly ascending flat row-major indices
 * int64 CRC32 of every preceding byte
 * </pre>
 */
final class NeuronMaskFile {
    private static final byte[] MAGIC = "ALLOMASK".getBytes(StandardCharsets.US_ASCII);
    private static final String KIND = "mask";
    private static final int VERSION = 1;
    private static final int CHUNK_INTS = 1 << 16;

    private NeuronMaskFile() {}

    static void write(NeuronMask mask, Path file) {
        ChecksummedFile.write(file, KIND, out -> encode(mask, out));
    }

    static long checksum(NeuronMask mask) {
        CRC32 crc = new CRC32();
        try (DataOutputStream out = new DataOutputStream(new CheckedOutputStream(OutputStream.nullOutputStream(), crc))) {
            encode(mask, out);
        } catch (IOException e) {
            throw new AlloException("cannot encode mask: " + e.getMessage(), e);
        }
        return crc.getValue();
    }

    private static void encode(NeuronMask mask, DataOutputStream out) throws IOException {
        ChecksummedFile.writeHeader(out, MAGIC, VERSION);
        out.writeInt(mask.entries().size());
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_INTS * Integer.BYTES);
        for (Map.Entry<String, NeuronMask.Entry> e : mask.entries().entrySet()) {
            ChecksummedFile.writeTensorHeader(out, e.getKey(), e.getValue().shape().getShape());
            int[] indices = e.getValue().indices();
            if (indices == null) {
                out.writeByte(1);
                continue;
            }
            out.writeByte(0);
            out.writeInt(indices.length);
            for (int from = 0; from < indices.length; from += CHUNK_INTS) {
                int len = Math.min(CHUNK_INTS, indices.length - from);
                chunk.clear();
                chunk.asIntBuffer().put(indices, from, len);
                out.write(chunk.array(), 0, len * Integer.BYTES);
            }
        }
    }

    static NeuronMask read(Path file) {
        return ChecksummedFile.read(file, KIND, in -> decode(in, file));
    }

    private static NeuronMask decode(ChecksummedFile.BodyInput in, Path file) throws IOException {
        ChecksummedFile.readHeader(in, file, KIND, MAGIC, VERSION);
        int count = in.readInt();
        if (count < 0) {
            throw corrupted(file, "negative tensor count " + count);
        }
        NeuronMask.Builder builder = NeuronMask.builder();
        byte[] chunk = new byte[CHUNK_INTS * Integer.BYTES];
        for (int t = 0; t < count; t++) {
            ChecksummedFile.TensorHeader header = ChecksummedFile.readTensorHeader(in, file, KIND, t,
                    Integer.MAX_VALUE);
            String name = header.name();
            long size = header.size();
            Shape shape = new Shape(header.dims());
            int kind = in.readUnsignedByte();
            try {
                if (kind == 1) {
                    builder.addAll(name, shape);
                } else if (kind == 0) {
                    int n = in.readInt();
                    if (n < 0 || n > size) {
                        throw corrupted(file, "tensor '" + name + "' declares " + n + " selected indices but has "
                                + size + " elements");
                    }
                    ChecksummedFile.requireRemaining(in, (long) n * Integer.BYTES, file, KIND,
                            "the " + n + " selected indices of tensor '" + name + "'");
                    int[] indices = new int[n];
                    for (int from = 0; from < n; from += CHUNK_INTS) {
                        int len = Math.min(CHUNK_INTS, n - from);
                        in.readFully(chunk, 0, len * Integer.BYTES);
                        ByteBuffer.wrap(chunk, 0, len * Integer.BYTES).asIntBuffer().get(indices, from, len);
                    }
                    builder.add(name, shape, indices);
                } else {
                    throw corrupted(file, "tensor '" + name + "' has an unknown entry kind " + kind);
                }
            } catch (IllegalArgumentException e) {
                throw corrupted(file, e.getMessage());
            }
        }
        return builder.build();
    }

    private static AlloException corrupted(Path file, String detail) {
        return ChecksummedFile.corrupted(file, KIND, detail);
    }
}
