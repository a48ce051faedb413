package dev.allo.importance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.io.ChecksummedFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The binary scores format, version 1 (header fields big-endian, tensor data little-endian float32):
 *
 * <pre>
 * "ALLOSCOR"                      8 bytes magic
 * int32 version = 1
 * int32 tensorCount
 * tensorCount times:
 *   int32 nameLength, UTF-8 name bytes
 *   int32 rank, int64 dims[rank]
 *   float32 values[prod(dims)]    little-endian, row-major
 * int64 CRC32 of every preceding byte
 * </pre>
 */
final class ImportanceScoresFile {
    private static final byte[] MAGIC = "ALLOSCOR".getBytes(StandardCharsets.US_ASCII);
    private static final String KIND = "scores";
    private static final int VERSION = 1;
    private static final int CHUNK_FLOATS = 1 << 16;

    private ImportanceScoresFile() {}

    static void write(Map<String, NDArray> scores, Path file) {
        ChecksummedFile.write(file, KIND, out -> {
            ChecksummedFile.writeHeader(out, MAGIC, VERSION);
            out.writeInt(scores.size());
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, NDArray> e : scores.entrySet()) {
                ChecksummedFile.writeTensorHeader(out, e.getKey(), e.getValue().getShape().getShape());
                FloatBuffer src = e.getValue().toByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
                while (src.hasRemaining()) {
                    int len = Math.min(CHUNK_FLOATS, src.remaining());
                    FloatBuffer slice = src.slice();
                    slice.limit(len);
                    chunk.clear();
                    chunk.asFloatBuffer().put(slice);
                    src.position(src.position() + len);
                    out.write(chunk.array(), 0, len * Float.BYTES);
                }
            }
        });
    }

    /** Reads every tensor into {@code manager}; on any failure the caller closes the manager. */
    static Map<String, NDArray> read(Path file, NDManager manager) {
        return ChecksummedFile.read(file, KIND, in -> {
            ChecksummedFile.readHeader(in, file, KIND, MAGIC, VERSION);
            int count = in.readInt();
            if (count < 0) {
                throw corrupted(file, "negative tensor count " + count);
            }
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            byte[] chunk = new byte[CHUNK_FLOATS * Float.BYTES];
            for (int t = 0; t < count; t++) {
                ChecksummedFile.TensorHeader header = ChecksummedFile.readTensorHeader(in, file, KIND, t,
                        Integer.MAX_VALUE / Float.BYTES);
                String name = header.name();
                if (arrays.containsKey(name)) {
                    throw corrupted(file, "tensor '" + name + "' appears twice");
                }
                long size = header.size();
                ChecksummedFile.requireRemaining(in, size * Float.BYTES, file, KIND, "the " + size
                        + " float32 values of tensor '" + name + "'");
                ByteBuffer data = ByteBuffer.allocateDirect((int) size * Float.BYTES).order(ByteOrder.nativeOrder());
                FloatBuffer dst = data.asFloatBuffer();
                for (long from = 0; from < size; from += CHUNK_FLOATS) {
                    int len = (int) Math.min(CHUNK_FLOATS, size - from);
                    in.readFully(chunk, 0, len * Float.BYTES);
                    dst.put(ByteBuffer.wrap(chunk, 0, len * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                            .asFloatBuffer());
                }
                arrays.put(name, manager.create(data, new Shape(header.dims()), DataType.FLOAT32));
            }
            return arrays;
        });
    }

    private static AlloException corrupted(Path file, String detail) {
        return ChecksummedFile.corrupted(file, KIND, detail);
    }
}
