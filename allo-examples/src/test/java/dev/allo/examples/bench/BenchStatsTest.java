package dev.allo.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchStatsTest {
    @Test
    void medianOfAnOddCountIsTheMiddleValueAndOfAnEvenCountTheMeanOfTheTwoMiddleOnes() {
        assertThat(BenchStats.median(new double[] {5, 1, 3})).isEqualTo(3);
        assertThat(BenchStats.median(new double[] {4, 1, 3, 10})).isEqualTo(3.5);
        assertThat(BenchStats.median(new double[] {7})).isEqualTo(7);
    }

    @Test
    void medianLeavesItsArgumentUnsorted() {
        double[] values = {3, 1, 2};
        BenchStats.median(values);
        assertThat(values).containsExactly(3, 1, 2);
    }

    @Test
    void meanMinAndMax() {
        double[] values = {2, -1, 5, 2};
        assertThat(BenchStats.mean(values)).isEqualTo(2);
        assertThat(BenchStats.min(values)).isEqualTo(-1);
        assertThat(BenchStats.max(values)).isEqualTo(5);
    }

    @Test
    void noMeasurementsIsAnErrorNotNaN() {
        assertThatThrownBy(() -> BenchStats.median(new double[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("values must hold at least one measurement, got none");
        assertThatThrownBy(() -> BenchStats.min(new double[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchStats.max(new double[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchStats.mean(new double[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void formatUsesTwoDecimalsBelowTenAndNoneAbove() {
        assertThat(BenchStats.format(new double[] {0.456, 9.999, 12.4, 321.5})).isEqualTo("0.46 10.00 12 322");
        assertThat(BenchStats.format(new double[0])).isEmpty();
    }

    @Test
    void loadAverageIsNeverEmpty() {
        assertThat(BenchStats.loadAverage()).isNotBlank();
    }
}
