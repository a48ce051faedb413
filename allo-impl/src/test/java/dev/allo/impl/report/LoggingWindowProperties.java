package dev.allo.impl.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.allo.fixtures.report.ReferenceLoggingWindow;
import dev.allo.train.StepMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoggingWindowProperties {

    /** Steps with a loss, an objective metric that only some steps have, and the loop's own metrics. */
    private static List<Map<String, Double>> steps(int count, long seed) {
        Random random = new Random(seed);
        List<Map<String, Double>> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", 0.3 + random.nextDouble());
            if (random.nextInt(3) > 0) {
                m.put("rewards/accuracies", (double) random.nextInt(5) / 4);
            }
            m.put("learning_rate", 1e-5 * random.nextDouble());
            m.put("grad_norm", 10 * random.nextDouble());
            m.put("tokens_per_second", 1000 * random.nextDouble());
            m.put("elapsed_seconds", 0.5 * i);
            m.put("step", (double) i);
            m.put("epoch", (double) ((i - 1) / 7));
            out.add(m);
        }
        return out;
    }

    @Test
    void rowsAreTheWindowAveragesOfTheReference() {
        qt().withFixedSeed(71).withExamples(300)
                .forAll(integers().between(1, 40), longs().between(1, 12), longs().all())
                .checkAssert((count, every, seed) -> {
                    List<Map<String, Double>> steps = steps(count, seed);
                    LoggingWindow window = new LoggingWindow(every);
                    List<StepMetrics> rows = new ArrayList<>();
                    for (Map<String, Double> m : steps) {
                        long step = m.get("step").longValue();
                        Optional<StepMetrics> row = window.add(new StepMetrics("s", step,
                                m.get("epoch").intValue(), m), count);
                        assertThat(row.isPresent()).as("step %d of %d every %d", step, count, every)
                                .isEqualTo(step % every == 0 || step == count);
                        row.ifPresent(rows::add);
                    }
                    List<Map<String, Double>> want = ReferenceLoggingWindow.rows(steps, every);
                    assertThat(rows).hasSameSizeAs(want);
                    for (int i = 0; i < rows.size(); i++) {
                        Map<String, Double> w = want.get(i);
                        assertThat(rows.get(i).metrics().keySet()).containsExactlyInAnyOrderElementsOf(w.keySet());
                        assertThat(rows.get(i).step()).isEqualTo(w.get("step").longValue());
                        for (Map.Entry<String, Double> e : w.entrySet()) {
                            assertThat(rows.get(i).metrics().get(e.getKey())).as("row %d %s", i, e.getKey())
                                    .isCloseTo(e.getValue(), org.assertj.core.data.Offset.offset(
                                            1e-12 * Math.max(1, Math.abs(e.getValue()))));
                        }
                    }
                });
    }

    @Test
    void aNanInTheWindowMakesItsAverageNan() {
        LoggingWindow window = new LoggingWindow(2);
        window.add(new StepMetrics("s", 1, 0, Map.of("loss", Double.NaN)), 4);
        assertThat(window.add(new StepMetrics("s", 2, 0, Map.of("loss", 1.0)), 4).orElseThrow().loss()).isNaN();
        assertThat(window.add(new StepMetrics("s", 3, 0, Map.of("loss", 1.0)), 4)).isEmpty();
        assertThat(window.add(new StepMetrics("s", 4, 0, Map.of("loss", 3.0)), 4).orElseThrow().loss())
                .isEqualTo(2.0);
    }

    @Test
    void anIntervalBelowOneIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LoggingWindow(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }
}
