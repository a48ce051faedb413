package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant on a differentiable path.
 *
 * <p>Why not {@code x.mul(0.1f)}: on CPU, DJL's PyTorch engine implements {@code mul(Number)} (and {@code add},
 * {@code sub}, {@code div}) with a temporary scalar array that wraps a Java direct buffer without copying, and closes
 * it as soon as the op returns. Autograd saves that scalar for the backward pass ({@code d(x * c)/dx = c}), so once
 * the buffer's memory is reused the gradient is read from garbage (measured: gradient 7 instead of 3 after a GC).
 * The constants made here are allocated by the engine ({@code full}), so the autograd graph keeps them alive after
 * their Java handle is closed.
 */
final class Scalars {

    private Scalars() {}

    /**
     * A 0-d constant in the type and on the device of {@code like}, allocated by the engine.
     *
     * @param like an array of the wanted type and device
     * @param value the value
     * @return the scalar
     */
    static NDArray of(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /**
     * {@code x * c}.
     *
     * @param x any shape
     * @param c the constant
     * @return {@code x * c}, differentiable in {@code x}
     */
    static NDArray times(NDArray x, double c) {
        return x.mul(of(x, c));
    }

    /**
     * {@code x + c}.
     *
     * @param x any shape
     * @param c the constant
     * @return {@code x + c}, differentiable in {@code x}
     */
    static NDArray plus(NDArray x, double c) {
        return x.add(of(x, c));
    }
}
