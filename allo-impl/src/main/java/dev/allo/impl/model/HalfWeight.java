package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.io.HalfPrecision;
import dev.allo.impl.io.NativeHalf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One weight held in 16 bits, widened to float32 where it is used.
 *
 * <pre>
 * F16:   stored (d_1, ..., d_n) float16; widen = the engine's float16 -> float32 conversion (exact)
 * BF16:  stored (d_1, ..., d_n * 2) uint8, the little-endian bytes (lo, hi) of each BF16 pattern b = 256 hi + lo;
 *        widen = T[b] with T (65536) float32, T[b] = the float whose bits are b &lt;&lt; 16   (exact, NaN payloads kept)
 * </pre>
 *
 * <p>The PyTorch engine of DJL (0.35.1 and 0.36.0) aborts the JVM on any bfloat16 or int16 array, and DJL has no
 * operation that reinterprets bits, so BF16 patterns travel as byte pairs. On the CPU they are widened in Java
 * through direct views of the arrays' memory ({@link NativeHalf}); on other devices by the lookup {@code T[b]}, a pure
 * copy of table entries ({@link Bf16Table} holds {@code T}). Both are exact.
 */
final class HalfWeight {
    private final NDArray stored;
    private final Shape shape;
    private final HalfFormat format;

    private HalfWeight(NDArray stored, Shape shape, HalfFormat format) {
        this.stored = stored;
        this.shape = shape;
        this.format = format;
    }

    /**
     * Narrows a float32 weight, rounding to nearest, ties to even.
     *
     * @param name the weight's name, for errors and the stored array's name
     * @param weight the float32 weight; left unchanged
     * @param format the 16-bit format
     * @param owner owns the stored array, on its device
     * @return the 16-bit weight
     * @throws IllegalArgumentException if {@code format} is F16 and a finite value overflows F16
     *     ({@code |x| >= 65520}), naming the weight and the value
     */
    static HalfWeight narrow(String name, NDArray weight, HalfFormat format, NDManager owner) {
        Shape shape = weight.getShape();
        NDArray stored;
        if (format == HalfFormat.F16) {
            stored = narrowF16(name, weight, owner);
        } else {
            ByteBuffer floats = weight.toByteBuffer(); // native-order float32, on the host
            long count = shape.size();
            ByteBuffer halves = ByteBuffer.allocateDirect(Math.toIntExact(count * 2)).order(ByteOrder.LITTLE_ENDIAN);
            HalfPrecision.narrow(floats, halves, count, true);
            NDArray bytes = owner.create(halves, bytePairShape(shape), DataType.UINT8);
            stored = bytes.toDevice(owner.getDevice(), false);
            if (stored != bytes) {
                stored.attach(owner);
                bytes.close();
            }
        }
        stored.setName(name);
        return new HalfWeight(stored, shape, format);
    }

    private static NDArray narrowF16(String name, NDArray weight, NDManager owner) {
        try (NDManager scratch = owner.newSubManager()) {
            NDArray source = weight.stopGradient();
            source.attach(scratch);
            NDArray onDevice = source.toDevice(owner.getDevice(), true);
            onDevice.attach(scratch);
            NDArray half = onDevice.toType(DataType.FLOAT16, true);
            half.attach(scratch);
            // A finite float32 that became infinite overflowed F16 (|x| >= 65520 after rounding).
            NDArray overflow = half.isInfinite().logicalAnd(onDevice.isInfinite().logicalNot());
            overflow.attach(scratch);
            if (overflow.any().getBoolean()) {
                long at = overflow.toType(DataType.INT32, false).flatten().argMax().getLong(); // first overflow
                float value = onDevice.flatten().getFloat(at);
                throw new IllegalArgumentException("weight " + name + " holds " + value + " at flat index " + at
                        + ", outside the F16 range (largest finite 65504); hold it in BF16 or in float32");
            }
            half.attach(owner);
            return half;
        }
    }

    /**
     * A BF16 weight from its stored bytes, for example read from a BF16 checkpoint without widening.
     *
     * @param bytes {@code (d_1, ..., d_n * 2)} uint8 little-endian BF16 values; owned by the result from now on
     * @param shape the weight's shape {@code (d_1, ..., d_n)}
     * @return the 16-bit weight
     * @throws IllegalArgumentException if the bytes do not fit the shape
     */
    static HalfWeight ofBf16Bytes(NDArray bytes, Shape shape) {
        if (bytes.getDataType() != DataType.UINT8 || !bytes.getShape().equals(bytePairShape(shape))) {
            throw new IllegalArgumentException("BF16 bytes of '" + bytes.getName() + "' must be uint8 "
                    + bytePairShape(shape) + " for shape " + shape + ", got " + bytes.getDataType() + " "
                    + bytes.getShape());
        }
        return new HalfWeight(bytes, shape, HalfFormat.BF16);
    }

    private static Shape bytePairShape(Shape shape) {
        if (shape.dimension() == 0) {
            return new Shape(2);
        }
        long[] dims = shape.getShape().clone(); // Shape.getShape() is the shape's own array
        dims[dims.length - 1] *= 2;
        return new Shape(dims);
    }

    /**
     * The 16-bit format.
     *
     * @return the format
     */
    HalfFormat format() {
        return format;
    }

    /**
     * The weight's float32 shape.
     *
     * @return the shape
     */
    Shape shape() {
        return shape;
    }

    /**
     * The stored array (see the class comment for its layout).
     *
     * @return the stored array, owned by the model
     */
    NDArray stored() {
        return stored;
    }

    /**
     * The float32 weight.
     *
     * @param table the BF16 widening table on this weight's device (unused for F16)
     * @param into owns the result
     * @return {@code shape()} float32, exact
     */
    NDArray widen(Bf16Table table, NDManager into) {
        return widenStored(stored, shape, table, into);
    }

    /**
     * Rows of a 2-D weight, as an embedding lookup: {@code W[ids]}, widened after the lookup so that only the rows
     * used are widened.
     *
     * @param ids int64 row indices of any shape {@code S}
     * @param table the BF16 widening table (unused for F16)
     * @param into owns the result
     * @return {@code (S..., d_2)} float32
     */
    NDArray rows(NDArray ids, Bf16Table table, NDManager into) {
        try (NDManager scope = into.newSubManager()) {
            stored.tempAttach(scope);
            NDArray picked = stored.get(new NDIndex("{}", ids)); // (S..., d_2 [* 2])
            Shape out = ids.getShape().addAll(new Shape(shape.get(1)));
            NDArray result = widenStored(picked, out, table, scope);
            result.attach(into);
            return result;
        }
    }

    /**
     * A copy on another manager's device.
     *
     * @param owner owns the copy
     * @return the copy, sharing no storage with this weight
     */
    HalfWeight copy(NDManager owner) {
        NDArray c = stored.getDevice().equals(owner.getDevice()) ? stored.duplicate()
                : stored.toDevice(owner.getDevice(), true);
        c.attach(owner);
        c.setName(stored.getName());
        return new HalfWeight(c, shape, format);
    }

    private NDArray widenStored(NDArray half, Shape out, Bf16Table table, NDManager into) {
        try (NDManager scope = into.newSubManager()) {
            half.tempAttach(scope);
            NDArray result;
            if (format == HalfFormat.F16) {
                result = half.toType(DataType.FLOAT32, true).reshape(out);
            } else if (Device.Type.CPU.equals(half.getDevice().getDeviceType())) {
                result = scope.create(out, DataType.FLOAT32); // filled below, in Java, through memory views
                NativeHalf.widenBf16(half, result);
            } else {
                result = table.widen(half, out, scope);
            }
            result.attach(into);
            return result;
        }
    }

    /**
     * The BF16 widening table {@code T (65536)} of one device: {@code T[b]} is the float32 with bits {@code b << 16}.
     */
    static final class Bf16Table {
        private final NDArray table;

        /**
         * Builds the table.
         *
         * @param owner owns the table (256 KiB), on its device
         */
        Bf16Table(NDManager owner) {
            ByteBuffer bits = ByteBuffer.allocateDirect(4 << 16).order(ByteOrder.nativeOrder());
            for (int b = 0; b < 1 << 16; b++) {
                bits.putInt(HalfPrecision.bf16ToFloatBits(b));
            }
            bits.rewind();
            NDArray host = owner.create(bits, new Shape(1 << 16), DataType.FLOAT32); // raw bits, NaNs kept
            NDArray onDevice = host.toDevice(owner.getDevice(), false);
            if (onDevice != host) {
                onDevice.attach(owner);
                host.close();
            }
            this.table = onDevice;
        }

        /**
         * Widens byte pairs on any device: {@code T[256 hi + lo]}.
         *
         * @param pairs uint8 little-endian BF16 values, {@code 2 n} bytes on the table's device
         * @param out the result's shape, of {@code n} elements
         * @param into owns the result
         * @return float32 of shape {@code out}
         */
        NDArray widen(NDArray pairs, Shape out, NDManager into) {
            try (NDManager scope = into.newSubManager()) {
                pairs.tempAttach(scope);
                NDArray bytes = pairs.reshape(-1, 2).toType(DataType.INT32, false); // (n, 2): lo, hi
                NDArray bits = bytes.get(":, 1").mul(256).add(bytes.get(":, 0")); // (n,) BF16 patterns
                NDArray result = table.take(scope, bits).reshape(out); // T[bits]
                result.attach(into);
                return result;
            }
        }
    }
}
