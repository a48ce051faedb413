package dev.allo.impl.io;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types of the safetensors format, in the format's order of increasing alignment.
 *
 * <p>The declaration order matters: a writer that follows the format lays tensors out by <em>decreasing</em> alignment
 * (this order reversed), then by name, so that every tensor starts at an offset that is a multiple of its element
 * size. {@link #compareTo} gives that order.
 *
 * <p>Which types can be read into an {@code NDArray}: {@link #F32}, {@link #F16}, {@link #BF16} (always widened to
 * float32 in Java, because the PyTorch engine aborts the JVM on bfloat16), {@link #F64}, {@link #I64}, {@link #I32},
 * {@link #I8}, {@link #U8} and {@link #BOOL}. The others are recognised, so a file that holds them can still be
 * opened and listed, but reading such a tensor fails with an {@link dev.allo.AlloException}.
 */
public enum SafetensorsDtype {
    /** Boolean, one byte per element (0 or 1). */
    BOOL(1, DataType.BOOLEAN, false),
    /** Unsigned 8-bit integer. */
    U8(1, DataType.UINT8, false),
    /** Signed 8-bit integer. */
    I8(1, DataType.INT8, false),
    /** 8-bit float with 5 exponent and 2 mantissa bits (not readable). */
    F8_E5M2(1, null, true),
    /** 8-bit float with 4 exponent and 3 mantissa bits (not readable). */
    F8_E4M3(1, null, true),
    /** Signed 16-bit integer (not readable). */
    I16(2, null, false),
    /** Unsigned 16-bit integer (not readable). */
    U16(2, null, false),
    /** IEEE 754 half precision: 1 sign, 5 exponent (bias 15), 10 fraction bits. */
    F16(2, DataType.FLOAT16, true),
    /** Brain float: 1 sign, 8 exponent (bias 127), 7 fraction bits, the upper half of a float32. */
    BF16(2, DataType.FLOAT32, true),
    /** Signed 32-bit integer. */
    I32(4, DataType.INT32, false),
    /** Unsigned 32-bit integer (not readable). */
    U32(4, null, false),
    /** IEEE 754 single precision. */
    F32(4, DataType.FLOAT32, true),
    /** IEEE 754 double precision. */
    F64(8, DataType.FLOAT64, true),
    /** Signed 64-bit integer. */
    I64(8, DataType.INT64, false),
    /** Unsigned 64-bit integer (not readable). */
    U64(8, null, false);

    private final int byteSize;
    private final DataType storedAs;
    private final boolean floating;

    SafetensorsDtype(int byteSize, DataType storedAs, boolean floating) {
        this.byteSize = byteSize;
        this.storedAs = storedAs;
        this.floating = floating;
    }

    /**
     * The size of one element in bytes.
     *
     * @return bytes per element
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Whether this is a floating-point type.
     *
     * @return true for F8_E5M2, F8_E4M3, F16, BF16, F32 and F64
     */
    public boolean isFloating() {
        return floating;
    }

    /**
     * Whether tensors of this type can be read into an {@code NDArray}.
     *
     * @return true for F32, F16, BF16, F64, I64, I32, I8, U8 and BOOL
     */
    public boolean isReadable() {
        return storedAs != null;
    }

    /**
     * The {@code NDArray} data type a tensor of this type is read as.
     *
     * @param conversion how floating-point tensors are converted
     * @return FLOAT32 for every floating type under {@link FloatConversion#TO_FLOAT32} and for BF16 always; FLOAT16
     *     for F16 and FLOAT64 for F64 under {@link FloatConversion#AS_STORED}; the matching integer or boolean type
     *     otherwise
     * @throws IllegalStateException if this type is not {@linkplain #isReadable() readable}
     */
    public DataType loadedType(FloatConversion conversion) {
        if (storedAs == null) {
            throw new IllegalStateException(name() + " cannot be read; readable types: " + readableNames());
        }
        if (floating && conversion == FloatConversion.TO_FLOAT32) {
            return DataType.FLOAT32;
        }
        return storedAs;
    }

    /**
     * The safetensors type that holds an {@code NDArray} data type without conversion.
     *
     * @param type an {@code NDArray} data type
     * @return the matching safetensors type, or empty when there is none (BFLOAT16 maps to none, since the engine
     *     cannot hold it)
     */
    public static Optional<SafetensorsDtype> of(DataType type) {
        switch (type) {
            case FLOAT32:
                return Optional.of(F32);
            case FLOAT16:
                return Optional.of(F16);
            case FLOAT64:
                return Optional.of(F64);
            case INT64:
                return Optional.of(I64);
            case INT32:
                return Optional.of(I32);
            case INT8:
                return Optional.of(I8);
            case UINT8:
                return Optional.of(U8);
            case BOOLEAN:
                return Optional.of(BOOL);
            default:
                return Optional.empty();
        }
    }

    /**
     * Parses the {@code dtype} string of a safetensors header.
     *
     * @param name the string, for example {@code "BF16"}
     * @return the type, or empty when the name is not one of the format's types
     */
    public static Optional<SafetensorsDtype> parse(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * The readable types as a comma-separated list, for error messages.
     *
     * @return for example {@code "BOOL, U8, I8, F16, BF16, I32, F32, F64, I64"}
     */
    static String readableNames() {
        return Arrays.stream(values())
                .filter(SafetensorsDtype::isReadable)
                .map(Enum::name)
                .collect(Collectors.joining(", "));
    }
}
