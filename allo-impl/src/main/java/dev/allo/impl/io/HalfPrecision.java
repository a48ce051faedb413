package dev.allo.impl.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * Conversions between float32 and the two 16-bit float formats of checkpoints, on raw bit patterns.
 *
 * <p>Formats (sign, exponent, fraction bits; exponent bias):
 *
 * <ul>
 *   <li>float32: 1, 8, 23; bias 127.
 *   <li>bfloat16 (BF16): 1, 8, 7; bias 127. A BF16 value is the upper 16 bits of the float32 with the same value.
 *   <li>IEEE half (F16): 1, 5, 10; bias 15. Largest finite 65504, smallest normal 2<sup>-14</sup>, smallest
 *       subnormal 2<sup>-24</sup>.
 * </ul>
 *
 * <p>Widening (16 to 32 bits) is exact for every input, NaN payloads included. Narrowing (32 to 16 bits) rounds to
 * nearest, ties to even, as IEEE 754 prescribes: values at or beyond the midpoint between the largest finite value and
 * the next power of two become infinity (65520 and up for F16), tiny values become signed zeros or subnormals. A NaN
 * stays a NaN with its sign and the upper bits of its payload, and its quiet bit set (a signalling NaN becomes quiet),
 * so a quiet NaN read from a 16-bit file and written back keeps its exact bits.
 *
 * <p>The bulk methods convert whole buffers in a tight loop over primitive arrays (no per-element buffer calls), the
 * hot path of checkpoint loading.
 */
public final class HalfPrecision {
    /** Elements converted per staging round of the bulk methods. */
    private static final int BLOCK = 8192;

    /** Float32 bit patterns of all 65536 F16 bit patterns: a table makes F16 widening one load per element. */
    private static final int[] F16_TO_F32_BITS = new int[1 << 16];

    static {
        for (int h = 0; h < F16_TO_F32_BITS.length; h++) {
            F16_TO_F32_BITS[h] = computeF16ToFloatBits(h);
        }
    }

    private HalfPrecision() {}

    /**
     * Widens a BF16 bit pattern to float32 bits: {@code bits << 16}.
     *
     * @param bf16 the 16-bit pattern (only the low 16 bits are used)
     * @return the float32 bit pattern of the same value
     */
    public static int bf16ToFloatBits(int bf16) {
        return (bf16 & 0xFFFF) << 16;
    }

    /**
     * Narrows float32 bits to BF16, rounding to nearest, ties to even; NaN stays a quiet NaN.
     *
     * @param floatBits the float32 bit pattern (see {@link Float#floatToRawIntBits})
     * @return the BF16 bit pattern in the low 16 bits
     */
    public static int floatBitsToBf16(int floatBits) {
        if ((floatBits & 0x7FFF_FFFF) > 0x7F80_0000) {
            // NaN: keep sign and the upper 7 payload bits, force the quiet bit so it cannot collapse to infinity.
            return (floatBits >>> 16) | 0x0040;
        }
        // Adding 0x7FFF plus the lowest kept bit rounds half to even; a carry into the exponent is the correct
        // result, up to and including infinity.
        int lsb = (floatBits >>> 16) & 1;
        return ((floatBits + 0x7FFF + lsb) >>> 16) & 0xFFFF;
    }

    /**
     * Widens an F16 bit pattern to float32 bits (exact; subnormals are normalised, NaN payloads kept).
     *
     * @param f16 the 16-bit pattern (only the low 16 bits are used)
     * @return the float32 bit pattern of the same value
     */
    public static int f16ToFloatBits(int f16) {
        return F16_TO_F32_BITS[f16 & 0xFFFF];
    }

    private static int computeF16ToFloatBits(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return sign | 0x7F80_0000 | (mant << 13); // infinity or NaN, payload kept
        }
        if (exp != 0) {
            return sign | ((exp + 127 - 15) << 23) | (mant << 13);
        }
        if (mant == 0) {
            return sign; // signed zero
        }
        // Subnormal mant * 2^-24: shift the leading 1 up to bit 10, lowering the exponent by the same amount.
        int shift = Integer.numberOfLeadingZeros(mant) - 21;
        return sign | ((127 - 14 - shift) << 23) | (((mant << shift) & 0x3FF) << 13);
    }

    /**
     * Narrows float32 bits to F16, rounding to nearest, ties to even; overflow gives infinity, NaN stays a quiet
     * NaN.
     *
     * @param floatBits the float32 bit pattern
     * @return the F16 bit pattern in the low 16 bits
     */
    public static int floatBitsToF16(int floatBits) {
        int sign = (floatBits >>> 16) & 0x8000;
        int mag = floatBits & 0x7FFF_FFFF;
        if (mag > 0x7F80_0000) {
            return sign | 0x7C00 | 0x0200 | ((mag >>> 13) & 0x03FF); // NaN: upper payload bits, quiet bit set
        }
        if (mag >= 0x477F_F000) {
            return sign | 0x7C00; // >= 65520, the midpoint between 65504 and 2^16: rounds to infinity
        }
        if (mag >= 0x3880_0000) {
            // Normal (>= 2^-14): rebias the exponent from 127 to 15, then drop 13 fraction bits, half to even.
            int rebiased = mag - ((127 - 15) << 23);
            int lsb = (rebiased >>> 13) & 1;
            return sign | ((rebiased + 0x0FFF + lsb) >>> 13);
        }
        if (mag <= 0x3300_0000) {
            return sign; // <= 2^-25, at most half the smallest subnormal: the tie goes to even, zero
        }
        // Subnormal result k * 2^-24 with k = round(significand * 2^(e + 1)), e in [-25, -15].
        int e = (mag >>> 23) - 127;
        int significand = (mag & 0x7F_FFFF) | 0x80_0000;
        int shift = -e - 1;
        int k = significand >>> shift;
        int rest = significand & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (k & 1) == 1)) {
            k++; // may carry into the smallest normal, 0x0400, which is the right encoding
        }
        return sign | k;
    }

    /**
     * Widens {@code count} BF16 values from {@code src} to float32 in {@code dst}.
     *
     * @param src little-endian BF16 data, read from its position
     * @param dst native-order float32 destination, written from its position
     * @param count the number of elements
     */
    static void widenBf16(ByteBuffer src, ByteBuffer dst, long count) {
        ShortBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        IntBuffer out = dst.duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
        short[] halves = new short[BLOCK];
        int[] floats = new int[BLOCK];
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(BLOCK, count - done);
            in.get(halves, 0, n);
            for (int i = 0; i < n; i++) {
                floats[i] = halves[i] << 16; // upper 16 bits of the float; the sign extension is shifted out
            }
            out.put(floats, 0, n);
            done += n;
        }
    }

    /**
     * Widens {@code count} F16 values from {@code src} to float32 in {@code dst}.
     *
     * @param src little-endian F16 data, read from its position
     * @param dst native-order float32 destination, written from its position
     * @param count the number of elements
     */
    static void widenF16(ByteBuffer src, ByteBuffer dst, long count) {
        ShortBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        IntBuffer out = dst.duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
        short[] halves = new short[BLOCK];
        int[] floats = new int[BLOCK];
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(BLOCK, count - done);
            in.get(halves, 0, n);
            for (int i = 0; i < n; i++) {
                floats[i] = F16_TO_F32_BITS[halves[i] & 0xFFFF];
            }
            out.put(floats, 0, n);
            done += n;
        }
    }

    /**
     * Narrows {@code count} float32 values from {@code src} to BF16 ({@code toBf16}) or F16 in {@code dst}.
     *
     * @param src native-order float32 data, read from its position
     * @param dst little-endian 16-bit destination, written from its position
     * @param count the number of elements
     * @param toBf16 true for BF16, false for F16
     */
    public static void narrow(ByteBuffer src, ByteBuffer dst, long count, boolean toBf16) {
        IntBuffer in = src.duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
        ShortBuffer out = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int[] floats = new int[BLOCK];
        short[] halves = new short[BLOCK];
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(BLOCK, count - done);
            in.get(floats, 0, n);
            if (toBf16) {
                for (int i = 0; i < n; i++) {
                    halves[i] = (short) floatBitsToBf16(floats[i]);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    halves[i] = (short) floatBitsToF16(floats[i]);
                }
            }
            out.put(halves, 0, n);
            done += n;
        }
    }
}
