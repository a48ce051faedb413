package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;

/**
 * Root-mean-square layer normalisation as Hugging Face's {@code LlamaRMSNorm} computes it:
 * {@code y = w * x * rsqrt(mean(x^2) + eps)}, the mean taken over the last (hidden) axis, in float32.
 */
final class RmsNorm {
    private RmsNorm() {}

    /**
     * Normalises over the last axis.
     *
     * @param x {@code (..., H)} float32 input (first operand: the result belongs to its manager)
     * @param weight {@code (H)} scale w
     * @param eps epsilon added to the mean square
     * @return {@code (..., H)} normalised and scaled input
     */
    static NDArray apply(NDArray x, NDArray weight, float eps) {
        // eps as an engine array owned by x's manager: DJL's add/pow(Number) free their temporary scalar before the
        // backward pass reads it (pow(-0.5) gave wrong embedding gradients), see docs/model.md.
        NDArray epsilon = x.getManager().create(eps); // ()
        NDArray rms = x.square().mean(new int[] {-1}, true).add(epsilon).sqrt(); // (..., 1)
        return x.div(rms).mul(weight); // (..., H)
    }

    /**
     * Gemma's RMSNorm, {@code y = (1 + w) * x * rsqrt(mean(x^2) + eps)}: the stored weight is an offset from 1.
     *
     * @param x {@code (..., H)} float32 input (first operand: the result belongs to its manager)
     * @param weight {@code (H)} offset w
     * @param eps epsilon added to the mean square
     * @return {@code (..., H)} normalised and scaled input
     */
    static NDArray applyUnitOffset(NDArray x, NDArray weight, float eps) {
        NDArray one = x.getManager().create(1f); // ()
        return apply(x, weight.add(one), eps);
    }
}
