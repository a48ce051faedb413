package dev.allo.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchStatsProperties {
    @Test
    void atMostHalfTheValuesLieOnEitherSideOfTheMedian() {
        qt().withFixedSeed(71L).withExamples(300)
                .forAll(lists().of(doubles().between(-1e6, 1e6)).ofSizeBetween(1, 30))
                .checkAssert(list -> {
                    double[] values = list.stream().mapToDouble(Double::doubleValue).toArray();
                    double m = BenchStats.median(values);
                    long below = list.stream().filter(v -> v < m).count();
                    long above = list.stream().filter(v -> v > m).count();
                    assertThat(2 * below).isLessThanOrEqualTo(values.length);
                    assertThat(2 * above).isLessThanOrEqualTo(values.length);
                    assertThat(m).isBetween(BenchStats.min(values), BenchStats.max(values));
                });
    }

    @Test
    void theMedianOfAnOddCountIsOneOfTheValues() {
        qt().withFixedSeed(72L).withExamples(300)
                .forAll(lists().of(doubles().between(-1e6, 1e6)).ofSizeBetween(1, 15))
                .assuming(list -> list.size() % 2 == 1)
                .checkAssert(list -> {
                    double[] values = list.stream().mapToDouble(Double::doubleValue).toArray();
                    assertThat(List.copyOf(list)).contains(BenchStats.median(values));
                });
    }
}
