package dev.allo.impl.ila;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.allo.fixtures.ila.ReferenceGates;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The stability measure against the double reference, its metric and the stop. */
class UpdateStabilityMonitorTest {

    @Test
    void relativeChangeMatchesTheReferenceAndIsReportedEveryCheck() {
        Random random = new Random(5);
        double[][][] history = new double[4][2][];
        for (int t = 0; t < 4; t++) {
            history[t][0] = gaussian(random, 6, 1.0 / (t + 1));
            history[t][1] = gaussian(random, 4, 1.0 / (t + 1));
        }
        List<StepMetrics> seen = new ArrayList<>();
        TrainingListener downstream = new TrainingListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                seen.add(metrics);
            }
        };
        int[] check = {0};
        try (UpdateStabilityMonitor monitor = new UpdateStabilityMonitor(2, 1e-9, true, downstream)) {
            monitor.watch(Device.cpu(), m -> {
                double[][] u = history[check[0]++];
                Map<String, NDArray> out = new LinkedHashMap<>();
                out.put("a", m.create(floats(u[0]), new Shape(2, 3)));
                out.put("b", m.create(floats(u[1]), new Shape(4)));
                return out;
            });
            for (long step = 1; step <= 8; step++) {
                monitor.onStep(new StepMetrics("warm-up", step, 0, Map.of("loss", 1.0)));
            }
            assertThat(monitor.checks()).extracting(UpdateStabilityMonitor.Check::step).containsExactly(2L, 4L, 6L, 8L);
            assertThat(monitor.checks().get(0).relativeChange()).isNaN();
            for (int t = 1; t < 4; t++) {
                double want = ReferenceGates.relativeChange(rounded(history[t]), rounded(history[t - 1]));
                assertThat(monitor.checks().get(t).relativeChange()).isCloseTo(want, Offset.offset(1e-5 * want));
                assertThat(seen.get(2 * t + 1).get(UpdateStabilityMonitor.RELATIVE_CHANGE))
                        .isEqualTo(monitor.checks().get(t).relativeChange());
            }
            assertThat(seen.get(0).get(UpdateStabilityMonitor.RELATIVE_CHANGE)).isNaN();
            assertThat(monitor.isStable()).isFalse();
        }
        try (UpdateStabilityMonitor stopping = new UpdateStabilityMonitor(1, 1e9, true, null)) {
            stopping.watch(Device.cpu(), m -> Map.of("a", m.ones(new Shape(2))));
            stopping.onStep(new StepMetrics("warm-up", 1, 0, Map.of()));
            assertThatThrownBy(() -> stopping.onStep(new StepMetrics("warm-up", 2, 0, Map.of())))
                    .isInstanceOf(UpdateStabilityMonitor.UpdateStabilized.class).hasMessageContaining("step 2");
        }
        assertThatThrownBy(() -> new UpdateStabilityMonitor(0, 0.1, true, null)).hasMessageContaining("every");
    }

    private static double[] gaussian(Random r, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * r.nextGaussian();
        }
        return v;
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static double[][] rounded(double[][] v) {
        double[][] out = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = new double[v[i].length];
            for (int j = 0; j < v[i].length; j++) {
                out[i][j] = (float) v[i][j];
            }
        }
        return out;
    }
}
