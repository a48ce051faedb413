package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Zeroing clears non-finite gradients; the maximum reports them. */
class GradientsTest {

    @Test
    void zeroClearsNanAndInfinityAndMaxAbsReportsThem() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, 2f, 3f});
            w.setRequiresGradient(true);
            NDArray factor = m.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -4f});
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                c.backward(w.mul(factor).sum()); // dL/dw = factor
            }
            Map<String, NDArray> params = Map.of("w", w);
            assertThat(Gradients.maxAbs(params)).isNaN();
            Gradients.zero(params);
            assertThat(w.getGradient().toFloatArray()).containsExactly(0f, 0f, 0f);
            assertThat(Gradients.maxAbs(params)).isZero();
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                c.backward(w.mul(m.create(new float[] {1f, -5f, 2f})).sum());
            }
            assertThat(Gradients.maxAbs(params)).isEqualTo(5.0);
        }
    }
}
