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
 * {@code i = 0 .. d/2 - 1}, scaled as {@link RopeScaling} says; for a token at position {@code p},
 * {@code freqs = p * inv_freq} ({@code d/2} values),
 * {@code emb = cat(freqs, freqs)} ({@code d} values), and a query or key vector {@code q} becomes
 * {@code q * cos(emb) + rotate_half(q) * sin(emb)} with {@code rotate_half(q) = cat(-q[d/2:], q[:d/2])}.
 *
 * <p>Computed as {@code q * cos(emb) + cat(q[d/2:], q[:d/2]) * cat(-sin(freqs), sin(freqs))}, the same value with
 * one pass fewer; a constant factor (the attention scale {@code 1/sqrt(d)} for queries) can be folded into the
 * tables.
 */
final class RotaryEmbedding {
    private final float[] inverseFrequencies;

    RotaryEmbedding(float[] inverseFrequencies) {
        this.inverseFrequencies = inverseFrequencies.clone();
    }

    /**
     * The rotary embedding of a forward pass.
     *
     * @param config the configuration (head width, base, scaling)
     * @param length {@code p_max + 1}, the largest position of the pass plus one (used by dynamic scaling only)
     * @return the embedding
     */
    static RotaryEmbedding of(DecoderConfig config, long length) {
        return new RotaryEmbedding(config.ropeScaling().inverseFrequencies(config.headDim(), config.ropeTheta(),
                config.maxPositionEmbeddings(), length));
    }

    /**
     * The tables for the given positions, scaled by {@code factor}.
     *
     * @param positions {@code (B, T)} float32 positions (first operand: results belong to its manager)
     * @param factor a constant folded into both tables (1 for keys, {@code 1/sqrt(d)} for queries)
     * @return {@code [factor * cos(emb), factor * cat(-sin(freqs), sin(freqs))]}, each {@code (B, 1, T, d)}
     */
    NDArray[] tables(NDArray positions, float factor) {
        NDArray inv = positions.getManager().create(inverseFrequencies, new Shape(1, 1, inverseFrequencies.length));
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv); // (B, T, d/2)
        NDArray cos = freqs.cos().mul(factor);
        NDArray sin = freqs.sin().mul(factor);
        return new NDArray[] {
            NDArrays.concat(new NDList(cos, cos), -1).expandDims(1), // (B, 1, T, d)
            NDArrays.concat(new NDList(sin.neg(), sin), -1).expandDims(1) // (B, 1, T, d)
        };
    }

    /**
     * Rotates query or key heads.
     *
     * @param x {@code (B, heads, T, d)}
     * @param tables {@code [cos, signed sin]} from {@link #tables}
     * @return {@code (B, heads, T, d)} the rotated heads
     */
    static NDArray apply(NDArray x, NDArray[] tables) {
        long half = x.getShape().get(3) / 2;
        NDList halves = x.split(new long[] {half}, 3);
        NDArray swapped = NDArrays.concat(new NDList(halves.get(1), halves.get(0)), 3); // (B, heads, T, d)
        return x.mul(tables[0]).add(swapped.mul(tables[1]));
    }
}
