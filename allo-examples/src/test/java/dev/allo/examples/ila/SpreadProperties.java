package dev.allo.examples.ila;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link Spread} against an independent reference: Welford's one-pass recurrence
 * ({@code M_k = M_{k-1} + (x_k - M_{k-1}) / k}, {@code S_k = S_{k-1} + (x_k - M_{k-1})(x_k - M_k)},
 * {@code sd = sqrt(S_n / (n - 1))}), which shares no arithmetic with the two-pass formula under test.
 */
class SpreadProperties {
    @Test
    void matchesWelfordsRecurrence() {
        qt().withFixedSeed(20241025L).withExamples(300)
                .forAll(lists().of(doubles().between(-1e3, 1e3)).ofSizeBetween(1, 12))
                .checkAssert(values -> {
                    Spread s = Spread.of(values.stream().mapToDouble(Double::doubleValue).toArray());
                    double[] welford = welford(values);
                    assertThat(s.n()).isEqualTo(values.size());
                    assertThat(s.mean()).isCloseTo(welford[0], Offset.offset(1e-9));
                    assertThat(s.sd()).isCloseTo(welford[1], Offset.offset(1e-7));
                    assertThat(s.min()).isEqualTo(values.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
                    assertThat(s.max()).isEqualTo(values.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
                    assertThat(s.min()).isLessThanOrEqualTo(s.mean());
                    assertThat(s.mean()).isLessThanOrEqualTo(s.max());
                });
    }

    @Test
    void workedExampleAndRefusals() {
        Spread s = Spread.of(0.25, 0.5, 0.75);
        assertThat(s.mean()).isEqualTo(0.5);
        assertThat(s.sd()).isEqualTo(0.25); // sqrt((0.0625 + 0 + 0.0625) / 2)
        assertThat(Spread.of(0.3).sd()).isZero();
        assertThatThrownBy(Spread::of).hasMessageContaining("at least one value");
        assertThatThrownBy(() -> Spread.of(1, Double.NaN)).hasMessageContaining("value 1 must be finite, got NaN");
    }

    private static double[] welford(List<Double> values) {
        double mean = 0;
        double s = 0;
        int k = 0;
        for (double x : values) {
            k++;
            double previous = mean;
            mean += (x - previous) / k;
            s += (x - previous) * (x - mean);
        }
        return new double[] {mean, k > 1 ? Math.sqrt(s / (k - 1)) : 0};
    }
}
