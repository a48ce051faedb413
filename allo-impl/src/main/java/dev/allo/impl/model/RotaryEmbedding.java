package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding with Hugging Face's rotate-half convention.
 *
 * <p>For head width {@code d} and base {@code theta}: {@code inv_freq_i = 1 / theta^(2i / d)} for
 * {@code i = 0 .. d/2 - 1}; for a token at position {@code p}, {@code freqs = p * inv_freq} ({@code d/2} values),
 * {@code emb = cat(freqs, freqs)} ({@code d} values), and a query or key vector {@code q} becomes
 * {@code q * cos(emb) + rotate_half(q) * sin(emb)} with {@code rotate_half(q) = cat(-q[d/2:], q[:d/2])}.
 */
final class RotaryEmbedding {
    private final float[] inverseFrequencies;

    RotaryEmbedding(int headDim, double theta) {
        inverseFrequencies = new float[headDim / 2];
        for (int i = 0; i < inverseFrequencies.length; i++) {
            inverseFrequencies[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        }
    }

    /**
     * The cosine and sine tables for the given positions.
     *
     * @param positions {@code (B, T)} float32 positions (first operand: results belong to its manager)
     * @return {@code [cos, sin]}, each {@code (B, 1, T, d)}, ready to broadcast over heads
     */
    NDArray[] cosSin(NDArray positions) {
        NDArray inv = positions.getManager().create(inverseFrequencies, new Shape(1, 1, inverseFrequencies.length));
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv); // (B, T, d/2)
        NDArray emb = NDArrays.concat(new NDList(freqs, freqs), -1).expandDims(1); // (B, 1, T, d)
        return new NDArray[] {emb.cos(), emb.sin()};
    }

    /**
     * Rotates query or key heads.
     *
     * @param x {@code (B, heads, T, d)}
     * @param cos {@code (B, 1, T, d)}
     * @param sin {@code (B, 1, T, d)}
     * @return {@code (B, heads, T, d)} the rotated heads
     */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDList halves = x.split(new long[] {half}, 3);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3); // rotate_half(x)
        return x.mul(cos).add(rotated.mul(sin));
    }
}
