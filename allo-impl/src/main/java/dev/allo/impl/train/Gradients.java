package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.Map;

/** Gradient housekeeping of the training loop. */
final class Gradients {
    private Gradients() {}

    /**
     * Sets every existing parameter gradient to zero (gradients accumulate across backward passes).
     *
     * @param parameters the parameters
     */
    static void zero(Map<String, NDArray> parameters) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray p : parameters.values()) {
                if (p.hasGradient()) {
                    NDArray g = p.getGradient(); // a new handle, freed by the scope; the storage stays
                    g.set(new NDIndex("..."), 0f); // a fill, so a NaN or infinite entry is cleared too (0 * NaN is NaN)
                }
            }
        }
    }

    /**
     * The largest absolute gradient entry over every parameter, {@code max_i |g_i|}: non-finite exactly when some
     * gradient entry is NaN or infinite (NaN propagates through max).
     *
     * @param parameters the parameters
     * @return the maximum, 0 when no parameter has a gradient
     */
    static double maxAbs(Map<String, NDArray> parameters) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList maxima = new NDList();
            for (NDArray p : parameters.values()) {
                if (p.hasGradient()) {
                    maxima.add(p.getGradient().abs().max());
                }
            }
            return maxima.isEmpty() ? 0.0 : NDArrays.stack(maxima).max().getFloat();
        }
    }
}
