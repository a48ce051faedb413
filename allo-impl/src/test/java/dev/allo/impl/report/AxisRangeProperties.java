package dev.allo.impl.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import org.junit.jupiter.api.Test;

class AxisRangeProperties {

    @Test
    void theAxisHoldsTheDataWithoutMuchRoomAndNiceTicks() {
        qt().withFixedSeed(72).withExamples(2000)
                .forAll(doubles().between(-1e6, 1e6), doubles().between(1e-9, 1e6))
                .checkAssert((min, span) -> {
                    double max = min + span;
                    AxisRange a = AxisRange.fit(min, max, 5);
                    assertThat(a.lower()).isLessThanOrEqualTo(min);
                    assertThat(a.upper()).isGreaterThanOrEqualTo(max);
                    // At most about five ticks plus one on either side: the data fill at least a third of the axis.
                    assertThat(a.upper() - a.lower()).isLessThanOrEqualTo(3 * (max - min) + 2 * a.tick());
                    assertThat((a.upper() - a.lower()) / a.tick()).isLessThanOrEqualTo(12.5);
                    double mantissa = a.tick() / Math.pow(10, Math.floor(Math.log10(a.tick())));
                    assertThat(mantissa).satisfiesAnyOf(m -> assertThat(m).isCloseTo(1, within()),
                            m -> assertThat(m).isCloseTo(2, within()), m -> assertThat(m).isCloseTo(5, within()),
                            m -> assertThat(m).isCloseTo(10, within()));
                });
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    @Test
    void aDpoLossFrom0693To067FillsTheAxis() {
        AxisRange a = AxisRange.fit(0.670, 0.6931, 5);
        assertThat(a.lower()).isGreaterThan(0.66).isLessThanOrEqualTo(0.670);
        assertThat(a.upper()).isGreaterThanOrEqualTo(0.6931).isLessThanOrEqualTo(0.70 + 1e-12);
        assertThat(a.fraction(0.6931) - a.fraction(0.670)).isGreaterThan(0.6);
    }

    @Test
    void aConstantSeriesGetsARangeAroundIt() {
        AxisRange a = AxisRange.fit(5e-6, 5e-6, 5);
        assertThat(a.lower()).isLessThan(5e-6).isGreaterThan(0);
        assertThat(a.upper()).isGreaterThan(5e-6);
        AxisRange zero = AxisRange.fit(0, 0, 5);
        assertThat(zero.lower()).isLessThan(0);
        assertThat(zero.upper()).isGreaterThan(0);
    }

    @Test
    void nonFiniteOrReversedBoundsAreRefused() {
        assertThatThrownBy(() -> AxisRange.fit(Double.NaN, 1, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> AxisRange.fit(2, 1, 5)).hasMessageContaining("[2.0, 1.0]");
    }
}
