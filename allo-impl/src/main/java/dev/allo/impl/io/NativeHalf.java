package dev.allo.impl.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;

/**
 * Widens BF16 values held as byte pairs in a uint8 array into a float32 array, in Java, through direct views of
 * both arrays' native memory (no intermediate copy): {@code float bits = (256 hi + lo) << 16}, exact.
 */
public final class NativeHalf {
    /** Bytes of the source array per piece (even, so no value is split). */
    private static final long CHUNK_BYTES = 1L << 26;

    private NativeHalf() {}

    /**
     * Widens every value.
     *
     * @param bytePairs contiguous CPU uint8 array of {@code 2 n} bytes, little-endian BF16 values
     * @param target contiguous CPU float32 array of {@code n} elements, overwritten
     * @throws IllegalArgumentException if the types, devices or sizes do not fit
     */
    public static void widenBf16(NDArray bytePairs, NDArray target) {
        if (bytePairs.getDataType() != DataType.UINT8 || target.getDataType() != DataType.FLOAT32
                || !Device.Type.CPU.equals(bytePairs.getDevice().getDeviceType())
                || !Device.Type.CPU.equals(target.getDevice().getDeviceType())
                || bytePairs.size() != 2 * target.size()) {
            throw new IllegalArgumentException("expected CPU uint8 byte pairs and a CPU float32 target of half their"
                    + " size, got " + bytePairs.getDataType() + " " + bytePairs.getShape() + " on "
                    + bytePairs.getDevice() + " and " + target.getDataType() + " " + target.getShape() + " on "
                    + target.getDevice());
        }
        if (target.size() == 0) {
            return;
        }
        try (NDArray flat = target.reshape(-1)) { // (n,), a view of the target's memory
            NativeChunks.forEach(bytePairs, CHUNK_BYTES, (first, count, src) -> {
                long from = first / 2;
                long n = count / 2;
                try (NDArray piece = flat.get(new NDIndex("{}:{}", from, from + n))) {
                    ByteBuffer dst = NativeChunks.view(piece, n * 4);
                    HalfPrecision.widenBf16(src, dst, n);
                }
            });
        }
    }
}
