package dev.allo.impl.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Bulk copies between the little-endian layout of safetensors files and native-order array memory.
 *
 * <p>On little-endian machines (x86-64, AArch64) a same-type copy is one {@code memcpy}; elsewhere the typed buffer
 * views swap bytes.
 */
final class ElementCopy {
    private static final int BLOCK = 8192;
    private static final boolean NATIVE_IS_LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private ElementCopy() {}

    /**
     * Copies elements between two byte orders without changing their type.
     *
     * @param src the source, read from its position to its limit
     * @param srcOrder the source's byte order
     * @param dst the destination, written from its position
     * @param dstOrder the destination's byte order
     * @param elementSize bytes per element: 1, 2, 4 or 8
     */
    static void copy(ByteBuffer src, ByteOrder srcOrder, ByteBuffer dst, ByteOrder dstOrder, int elementSize) {
        ByteBuffer in = src.duplicate().order(srcOrder);
        ByteBuffer out = dst.duplicate().order(dstOrder);
        if (srcOrder == dstOrder || elementSize == 1) {
            out.put(in);
            return;
        }
        switch (elementSize) {
            case 2:
                out.asShortBuffer().put(in.asShortBuffer());
                break;
            case 4:
                out.asIntBuffer().put(in.asIntBuffer());
                break;
            case 8:
                out.asLongBuffer().put(in.asLongBuffer());
                break;
            default:
                throw new IllegalArgumentException("elementSize must be 1, 2, 4 or 8, got " + elementSize);
        }
    }

    /**
     * Copies little-endian file data into native-order memory of the same type.
     *
     * @param src file data
     * @param dst array memory
     * @param elementSize bytes per element
     */
    static void fromLittleEndian(ByteBuffer src, ByteBuffer dst, int elementSize) {
        copy(src, ByteOrder.LITTLE_ENDIAN, dst, ByteOrder.nativeOrder(), elementSize);
    }

    /**
     * Narrows {@code count} little-endian float64 values to native-order float32, rounding to nearest, ties to
     * even (Java's {@code (float)} cast).
     *
     * @param src file data
     * @param dst array memory
     * @param count the number of elements
     */
    static void narrowF64(ByteBuffer src, ByteBuffer dst, long count) {
        DoubleBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
        FloatBuffer out = dst.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        double[] wide = new double[BLOCK];
        float[] narrow = new float[BLOCK];
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(BLOCK, count - done);
            in.get(wide, 0, n);
            for (int i = 0; i < n; i++) {
                narrow[i] = (float) wide[i];
            }
            out.put(narrow, 0, n);
            done += n;
        }
    }

    /**
     * Whether same-type copies are plain byte copies on this machine.
     *
     * @return true when the native byte order is little-endian, the order of safetensors files
     */
    static boolean nativeIsLittleEndian() {
        return NATIVE_IS_LITTLE;
    }
}
