package dev.allo.impl.io;

import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one tensor of a safetensors file lives and what it holds, as its header declares.
 *
 * @param file the safetensors file
 * @param name the tensor's name, for example {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype the stored element type
 * @param shape the shape, row-major ("C" order); {@code ()} for a scalar
 * @param dataBegin the first byte of the tensor, relative to the start of the data buffer (the header's
 *     {@code data_offsets[0]})
 * @param dataEnd one past the last byte, relative to the start of the data buffer ({@code data_offsets[1]})
 * @param fileOffset the absolute position of the first byte in the file: {@code 8 + headerLength + dataBegin}
 */
public record TensorInfo(
        Path file, String name, SafetensorsDtype dtype, Shape shape, long dataBegin, long dataEnd, long fileOffset) {

    /**
     * Validates the fields.
     *
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if the offsets are negative or reversed
     */
    public TensorInfo {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        if (dataBegin < 0 || dataEnd < dataBegin || fileOffset < 0) {
            throw new IllegalArgumentException(
                    "offsets must satisfy 0 <= dataBegin <= dataEnd and fileOffset >= 0, got dataBegin " + dataBegin
                            + ", dataEnd " + dataEnd + ", fileOffset " + fileOffset);
        }
    }

    /**
     * The number of elements, the product of the shape (1 for a scalar).
     *
     * @return the element count
     */
    public long elementCount() {
        return shape.size();
    }

    /**
     * The number of bytes the tensor occupies in the file: {@code dataEnd - dataBegin}, which equals
     * {@code elementCount() * dtype().byteSize()} in a valid file.
     *
     * @return the byte count
     */
    public long byteSize() {
        return dataEnd - dataBegin;
    }
}
