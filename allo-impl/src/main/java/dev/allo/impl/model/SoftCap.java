package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;

/** Gemma 2's tanh soft-capping, {@code c * tanh(x / c)}: smooth, odd, bounded by {@code c}, the identity near 0. */
final class SoftCap {
    private SoftCap() {}

    /**
     * Soft-caps every element.
     *
     * @param x the values (first operand: the result belongs to its manager)
     * @param cap c, positive
     * @return {@code c * tanh(x / c)}
     */
    static NDArray apply(NDArray x, float cap) {
        NDArray c = x.getManager().create(cap); // () engine scalar, kept alive for the backward pass
        return x.div(c).tanh().mul(c);
    }
}
