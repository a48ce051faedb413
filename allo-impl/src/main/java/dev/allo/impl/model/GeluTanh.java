package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;

/**
 * The tanh approximation of GELU ({@code gelu_pytorch_tanh}, {@code torch.nn.functional.gelu(x,
 * approximate="tanh")}): {@code 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))}.
 */
final class GeluTanh {
    private GeluTanh() {}

    /**
     * Applies the activation elementwise.
     *
     * @param x the input (first operand: the result belongs to its manager)
     * @return {@code gelu_tanh(x)}
     */
    static NDArray apply(NDArray x) {
        NDArray k = x.getManager().create((float) Math.sqrt(2 / Math.PI)); // () engine scalars, as in RmsNorm
        NDArray cubic = x.getManager().create(0.044715f);
        NDArray half = x.getManager().create(0.5f);
        NDArray one = x.getManager().create(1f);
        NDArray inner = x.add(x.mul(x).mul(x).mul(cubic)).mul(k);
        return x.mul(half).mul(inner.tanh().add(one));
    }
}
