package dev.allo.impl.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.NamedTensors;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.MaskedOptimizer;
import dev.allo.optim.OptimizerState;
import dev.allo.optim.SgdConfig;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class MaskedOptimizerTest {
    static final long[][] SHAPES = {{6, 5}, {7}, {3, 4}};
    static final AdamWConfig ADAMW = AdamWConfig.builder().learningRate(0.05).weightDecay(0.1)
            .schedule(LearningRateSchedule.cosine(2, 6)).clipping(GradientClipping.maxNorm(0.7)).build();
    static final SgdConfig SGD = SgdConfig.builder().learningRate(0.05).momentum(0.9).dampening(0.1)
            .weightDecay(0.01).schedule(LearningRateSchedule.linear(1, 6)).build();

    static double[][] random(Random r) {
        double[][] out = new double[SHAPES.length][];
        for (int t = 0; t < SHAPES.length; t++) {
            out[t] = r.doubles(NamedTensors.shapes(SHAPES).get(NamedTensors.name(t)).size(), -1, 1).toArray();
        }
        return out;
    }

    /** Tensor 0 partly selected, tensor 1 fully, tensor 2 not at all. */
    static NeuronMask mask() {
        return NeuronMask.builder()
                .add(NamedTensors.name(0), new Shape(6, 5), new int[] {0, 3, 4, 17, 29})
                .addAll(NamedTensors.name(1), new Shape(7))
                .addNone(NamedTensors.name(2), new Shape(3, 4))
                .build();
    }

    static final Map<String, BiFunction<NeuronMask, Map<String, NDArray>, MaskedOptimizer>> FACTORIES = Map.of(
            "SparseAdamW", (m, p) -> new SparseAdamW(ADAMW, m, p),
            "DenseMaskedAdamW", (m, p) -> new DenseMaskedAdamW(ADAMW, m, p),
            "MaskedSgd", (m, p) -> new MaskedSgd(SGD, m, p));

    @Test
    void restoringAStateSnapshotContinuesBitIdentically() {
        FACTORIES.forEach((kind, factory) -> {
            Random r = new Random(5);
            double[][] initial = random(r);
            double[][][] grads = {random(r), random(r), random(r), random(r), random(r), random(r)};
            try (NDManager snapshots = NDManager.newBaseManager();
                    OptimizerHarness a = new OptimizerHarness(SHAPES, initial);
                    MaskedOptimizer first = factory.apply(mask(), a.params)) {
                for (int s = 0; s < 3; s++) {
                    a.step(first, grads[s]);
                }
                OptimizerState state = first.state(snapshots);
                assertThat(state.optimizer()).isEqualTo(kind);
                assertThat(state.step()).isEqualTo(3);
                double[][] midway = a.values();
                double nextLearningRate = first.learningRate();
                for (int s = 3; s < 6; s++) {
                    a.step(first, grads[s]);
                }
                try (OptimizerHarness b = new OptimizerHarness(SHAPES, midway);
                        MaskedOptimizer second = factory.apply(mask(), b.params)) {
                    second.restore(state);
                    assertThat(second.stepCount()).isEqualTo(3);
                    assertThat(second.learningRate()).isEqualTo(nextLearningRate);
                    for (int s = 3; s < 6; s++) {
                        b.step(second, grads[s]);
                    }
                    assertThat(b.bits()).as(kind).isDeepEqualTo(a.bits());
                    assertThat(second.stepCount()).isEqualTo(first.stepCount());
                }
            }
        });
    }

    @Test
    void restoreRejectsStateFromAnotherOptimizerOrMask() {
        try (NDManager snapshots = NDManager.newBaseManager();
                OptimizerHarness h = new OptimizerHarness(SHAPES, random(new Random(1)));
                SparseAdamW sparse = new SparseAdamW(ADAMW, mask(), h.params);
                DenseMaskedAdamW dense = new DenseMaskedAdamW(ADAMW, mask(), h.params);
                SparseAdamW full = new SparseAdamW(ADAMW, NeuronMask.all(NamedTensors.shapes(SHAPES)), h.params)) {
            OptimizerState sparseState = sparse.state(snapshots);
            assertThatThrownBy(() -> dense.restore(sparseState))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("optimizer state is from SparseAdamW, cannot restore it into DenseMaskedAdamW");
            assertThatThrownBy(() -> full.restore(sparseState))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("optimizer state belongs to a different mask");
            OptimizerState wrongShape = new OptimizerState("SparseAdamW", 1, sparseState.maskFingerprint(),
                    Map.of(NamedTensors.name(0) + "/exp_avg", snapshots.zeros(new Shape(4))));
            assertThatThrownBy(() -> sparse.restore(wrongShape))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("optimizer state tensors differ");
        }
    }

    @Test
    void stateBytesCountIndicesAndMoments() {
        try (OptimizerHarness h = new OptimizerHarness(SHAPES, random(new Random(2)));
                SparseAdamW sparse = new SparseAdamW(ADAMW, mask(), h.params);
                DenseMaskedAdamW dense = new DenseMaskedAdamW(ADAMW, mask(), h.params);
                MaskedSgd sgd = new MaskedSgd(SGD, mask(), h.params)) {
            // Partly selected: int32 index + two float moments = 12 bytes each; fully selected: 8 bytes each.
            assertThat(sparse.stateBytes()).isEqualTo(5 * 12 + 7 * 8);
            // Dense: two full moments per selected tensor + a boolean mask for the partly selected one.
            // Dense: two full moments per selected tensor, plus for the partly selected one a boolean mask and the
            // int32 indices (the clipping norm is taken over the gathered selected gradients).
            assertThat(dense.stateBytes()).isEqualTo(30 * 8 + 30 + 5 * 4 + 7 * 8);
            assertThat(sgd.stateBytes()).isEqualTo(5 * 8 + 7 * 4);
        }
    }

    @Test
    void badUseGivesClearErrors() {
        try (OptimizerHarness h = new OptimizerHarness(SHAPES, random(new Random(3)))) {
            NeuronMask wrong = NeuronMask.builder()
                    .addAll(NamedTensors.name(0), new Shape(5, 6))
                    .addAll(NamedTensors.name(1), new Shape(7))
                    .addAll(NamedTensors.name(2), new Shape(3, 4))
                    .build();
            assertThatThrownBy(() -> new SparseAdamW(ADAMW, wrong, h.params))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mask does not match the model: tensor '" + NamedTensors.name(0)
                            + "' has shape (5, 6) in the mask but (6, 5) in the model");
            SparseAdamW opt = new SparseAdamW(ADAMW, mask(), h.params);
            Map<String, NDArray> noGradients = NamedTensors.create(h.manager, SHAPES, random(new Random(4)));
            assertThatThrownBy(() -> opt.step(noGradients))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("parameter '" + NamedTensors.name(0) + "' has selected scalars but no "
                            + "gradient");
            opt.close();
            assertThatThrownBy(() -> opt.step(h.params))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("SparseAdamW is closed");
        }
    }

    @Test
    void configsRejectBadValuesNamingTheField() {
        assertThatThrownBy(() -> AdamWConfig.builder().learningRate(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("learningRate must be finite and >= 0, got -1.0");
        assertThatThrownBy(() -> AdamWConfig.builder().betas(0.9, 1.0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("beta2 must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> AdamWConfig.builder().epsilon(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("epsilon must be finite and >= 0, got NaN");
        assertThatThrownBy(() -> SgdConfig.builder().nesterov(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nesterov needs momentum > 0 and dampening = 0, got momentum 0.0 and dampening 0.0");
        assertThat(AdamWConfig.defaults()).isEqualTo(new AdamWConfig(1e-3, 0.9, 0.999, 1e-8, 1e-2,
                LearningRateSchedule.constant(), GradientClipping.none()));
    }
}
