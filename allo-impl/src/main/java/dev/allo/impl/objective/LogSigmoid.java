package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Numerically stable log-sigmoid and softplus. */
final class LogSigmoid {

    private LogSigmoid() {}

    /**
     * {@code log sigmoid(x) = -softplus(-x)}, finite with a finite gradient for any finite {@code x} (the engine's
     * softplus returns {@code x} above 20 and {@code log1p(exp(x))} below), unlike {@code log(sigmoid(x))}, which is
     * {@code -inf} for {@code x < -104} in float32.
     *
     * @param x any shape
     * @return {@code log sigmoid(x)}, same shape
     */
    static NDArray of(NDArray x) {
        return Activation.softPlus(x.neg()).neg();
    }

    /**
     * {@code -log sigmoid(-x) = softplus(x)}.
     *
     * @param x any shape
     * @return {@code softplus(x)}, same shape
     */
    static NDArray softPlus(NDArray x) {
        return Activation.softPlus(x);
    }
}
