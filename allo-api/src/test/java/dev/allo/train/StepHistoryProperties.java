package dev.allo.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bounded step history against a plain reference: which steps it keeps, and its bound. */
class StepHistoryProperties {

    private static StepMetrics step(long s) {
        return new StepMetrics("s", s, 0, Map.of("loss", 1.0 / s));
    }

    /** Reference: stride = smallest power of two with ceil(n / stride) <= capacity - 1; multiples of it, plus n. */
    private static List<Long> expectedSteps(int n, int capacity) {
        long stride = 1;
        while ((n + stride - 1) / stride > capacity - 1) {
            stride *= 2;
        }
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < n; i += stride) {
            out.add(i + 1);
        }
        if (n > 0 && out.get(out.size() - 1) != n) {
            out.add((long) n);
        }
        return out;
    }

    @Test
    void keepsEvenlySpacedStepsWithFirstAndLastWithinCapacity() {
        qt().withFixedSeed(17).withExamples(300).forAll(integers().between(0, 20_000), integers().between(2, 64))
                .checkAssert((n, capacity) -> {
                    StepHistory h = new StepHistory(capacity);
                    for (int s = 1; s <= n; s++) {
                        h.add(step(s));
                    }
                    List<Long> steps = h.toList().stream().map(StepMetrics::step).toList();
                    assertThat(steps).isEqualTo(expectedSteps(n, capacity));
                    assertThat(steps.size()).isLessThanOrEqualTo(capacity);
                    assertThat(h.count()).isEqualTo((long) n);
                    if (n > 0) {
                        assertThat(steps.get(0)).isEqualTo(1L);
                        assertThat(h.last().step()).isEqualTo((long) n);
                    }
                    if (n < capacity) {
                        assertThat(steps).hasSize(n);
                    }
                });
    }

    @Test
    void stageResultKeepsTheLastStepOfARestoredStageAndChecksItsHistory() {
        StageResult restored = new StageResult("learn", 6, 0, List.of(), step(6), 0.1);
        assertThat(restored.last().step()).isEqualTo(6);
        assertThat(restored.history()).isEmpty();
        assertThatThrownBy(() -> new StageResult("learn", 0, 0, List.of(), null, 0).last())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no steps");
        assertThatThrownBy(() -> new StageResult("learn", 6, 2, List.of(step(5), step(6)), step(5), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("last step");
        assertThatThrownBy(() -> new StepHistory(1)).isInstanceOf(IllegalArgumentException.class);
    }
}
