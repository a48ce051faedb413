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
        // Multiplying by rsqrt (a (..., 1) array) keeps the backward pass to products: cheaper than a division.
        NDArray inverseRms = x.square().mean(new int[] {-1}, true).add(eps).pow(-0.5); // (..., 1)
        return x.mul(inverseRms).mul(weight); // (..., H)
    }
}
