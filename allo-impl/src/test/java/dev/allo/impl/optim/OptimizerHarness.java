package dev.allo.impl.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.impl.NamedTensors;
import dev.allo.optim.MaskedOptimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs optimiser steps the way a training loop does: zero the gradients, back-propagate a loss, step. The loss
 * {@code sum_t sum(theta_t * G_t)} has gradient exactly {@code G_t}, so each step sees the chosen gradients.
 */
final class OptimizerHarness implements AutoCloseable {
    final NDManager manager = NDManager.newBaseManager();
    final Map<String, NDArray> params;
    private final long[][] shapes;

    OptimizerHarness(long[][] shapes, double[][] initial) {
        this.shapes = shapes;
        this.params = NamedTensors.create(manager, shapes, initial);
        params.values().forEach(p -> p.setRequiresGradient(true));
    }

    /** Makes the gradients equal {@code grads} (zeroing earlier ones, which accumulate). */
    void setGradients(double[][] grads) {
        List<NDArray> targets = new ArrayList<>();
        int t = 0;
        for (NDArray p : params.values()) {
            if (p.hasGradient()) {
                p.getGradient().muli(0);
            }
            float[] g = new float[grads[t].length];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) grads[t][i];
            }
            targets.add(manager.create(g, new Shape(shapes[t])));
            t++;
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            int k = 0;
            for (NDArray p : params.values()) {
                NDArray term = p.mul(targets.get(k++)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            collector.backward(loss);
        }
    }

    /** One training step with the given gradients. */
    void step(MaskedOptimizer optimizer, double[][] grads) {
        setGradients(grads);
        optimizer.step(params);
    }

    double[][] values() {
        return NamedTensors.values(params);
    }

    int[][] bits() {
        return NamedTensors.bits(params);
    }

    @Override
    public void close() {
        manager.close();
    }
}
