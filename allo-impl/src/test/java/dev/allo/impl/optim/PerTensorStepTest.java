package dev.allo.impl.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.NamedTensors;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.StepResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The optimiser step updates one tensor at a time in a scope of its own; this must not change a single bit of the
 * result. The reference below is the step as it was written before: every fully selected tensor's clipped gradient
 * {@code c g} made up front, then the AdamW update of each, all inside one scope, with the same element-wise ops in
 * the same order (AdamWConfig: {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
 * {@code theta = (1 - lr wd) theta - (lr c2 / (1 - b1^t)) m / (sqrt(v) + eps c2)}, {@code c2 = sqrt(1 - b2^t)}).
 */
class PerTensorStepTest {

    @Test
    void fullParameterAdamWStepIsBitIdenticalToTheOneScopeStep() {
        // maxNorm 0.7 clips these gradients (norm about 5), maxNorm 1e9 does not: both paths of clippedFull.
        for (double maxNorm : new double[] {0.7, 1e9}) {
            AdamWConfig config = AdamWConfig.builder().learningRate(0.05).weightDecay(0.1)
                    .clipping(GradientClipping.maxNorm(maxNorm)).build();
            Random random = new Random(17);
            double[][] initial = MaskedOptimizerTest.random(random);
            try (OptimizerHarness trained = new OptimizerHarness(MaskedOptimizerTest.SHAPES, initial);
                    OptimizerHarness reference = new OptimizerHarness(MaskedOptimizerTest.SHAPES, initial);
                    SparseAdamW optimizer = new SparseAdamW(config,
                            NeuronMask.all(NeuronMask.shapesOf(trained.params)), trained.params);
                    OneScopeAdamW expected = new OneScopeAdamW(config, reference.params)) {
                boolean clipped = false;
                for (int step = 1; step <= 4; step++) {
                    double[][] grads = MaskedOptimizerTest.random(random);
                    for (double[] g : grads) {
                        for (int i = 0; i < g.length; i++) {
                            g[i] *= 3;
                        }
                    }
                    trained.setGradients(grads);
                    StepResult result = optimizer.step(trained.params);
                    clipped |= result.clipCoefficient() != 1.0;
                    reference.setGradients(grads);
                    expected.step(reference.params, result.learningRate(), result.clipCoefficient(), step);
                    assertThat(trained.bits()).as("step %d, maxNorm %s", step, maxNorm).isEqualTo(reference.bits());
                }
                assertThat(clipped).as("maxNorm %s clips", maxNorm).isEqualTo(maxNorm < 1);
            }
        }
    }

    /** Full-parameter AdamW as one scope over every tensor: the step before it was split per tensor. */
    private static final class OneScopeAdamW implements AutoCloseable {
        private final AdamWConfig config;
        private final NDManager manager = NDManager.newBaseManager();
        private final List<NDArray> m = new ArrayList<>();
        private final List<NDArray> v = new ArrayList<>();

        OneScopeAdamW(AdamWConfig config, Map<String, NDArray> parameters) {
            this.config = config;
            for (NDArray p : parameters.values()) {
                m.add(manager.zeros(new Shape(p.getShape().size()))); // (n)
                v.add(manager.zeros(new Shape(p.getShape().size())));
            }
        }

        void step(Map<String, NDArray> parameters, double lr, double coefficient, long t) {
            try (NDScope scope = new NDScope()) {
                List<NDArray> clipped = new ArrayList<>();
                for (NDArray p : parameters.values()) {
                    NDArray g = p.getGradient().reshape(-1);
                    clipped.add(coefficient == 1.0 ? g : g.mul(coefficient));
                }
                double decay = 1 - lr * config.weightDecay();
                double b1 = config.beta1();
                double b2 = config.beta2();
                double biasCorrection1 = 1 - Math.pow(b1, t);
                double c2 = Math.sqrt(1 - Math.pow(b2, t));
                int i = 0;
                for (NDArray param : parameters.values()) {
                    NDArray p = param.reshape(-1);
                    NDArray g = clipped.get(i);
                    NDArray mi = m.get(i);
                    NDArray vi = v.get(i);
                    mi.muli(b1).addi(g.mul(1 - b1));
                    vi.muli(b2).addi(g.square().muli(1 - b2));
                    NDArray denom = vi.sqrt().addi(config.epsilon() * c2);
                    p.muli(decay).subi(mi.div(denom).muli(lr * c2 / biasCorrection1));
                    i++;
                }
                scope.suppressNotUsedWarning();
            }
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
