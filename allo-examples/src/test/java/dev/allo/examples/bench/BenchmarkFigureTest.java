package dev.allo.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import dev.allo.examples.bench.BenchmarkFigure.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchmarkFigureTest {
    @Test
    void boundsAreInclusiveOrStrictAsTheirSymbolSays() {
        assertThat(BenchmarkFigure.checked("b", "f", 60, "%", Comparison.AT_LEAST, 60).verdict())
                .isEqualTo(Verdict.MET);
        assertThat(BenchmarkFigure.checked("b", "f", 59.9, "%", Comparison.AT_LEAST, 60).verdict())
                .isEqualTo(Verdict.NOT_MET);
        assertThat(BenchmarkFigure.checked("b", "f", 0.25, "x", Comparison.AT_MOST, 0.25).verdict())
                .isEqualTo(Verdict.MET);
        assertThat(BenchmarkFigure.checked("b", "f", 0.251, "x", Comparison.AT_MOST, 0.25).verdict())
                .isEqualTo(Verdict.NOT_MET);
        assertThat(BenchmarkFigure.checked("b", "f", 1, "s", Comparison.BELOW, 1).verdict())
                .isEqualTo(Verdict.NOT_MET);
        assertThat(BenchmarkFigure.checked("b", "f", 0.999, "s", Comparison.BELOW, 1).verdict())
                .isEqualTo(Verdict.MET);
    }

    @Test
    void aNaNMeasurementNeverMeetsItsTarget() {
        for (Comparison c : Comparison.values()) {
            assertThat(BenchmarkFigure.checked("b", "f", Double.NaN, "x", c, 1).verdict()).isEqualTo(Verdict.NOT_MET);
        }
    }

    @Test
    void targetAndMeasuredTexts() {
        BenchmarkFigure f = BenchmarkFigure.checked("data", "pairs", 31245.6, "pairs/s", Comparison.AT_LEAST, 20000);
        assertThat(f.target()).isEqualTo(">= 20,000 pairs/s");
        assertThat(f.measuredText()).isEqualTo("31,246 pairs/s");
        assertThat(BenchmarkFigure.informational("m", "step", 218.34, "ms").measuredText()).isEqualTo("218.3 ms");
        assertThat(BenchmarkFigure.checked("o", "r", 0.0471, "x", Comparison.AT_MOST, 0.05).target())
                .isEqualTo("<= 0.05 x");
    }

    @Test
    void tableHasOneRowPerFigureInOrderWithPipesEscaped() {
        String table = FigureTable.markdown(List.of(
                BenchmarkFigure.checked("checkpoint load", "BF16 single file", 0.2134, "s", Comparison.BELOW, 1),
                BenchmarkFigure.checked("training", "live | cached", 1.31, "x", Comparison.AT_LEAST, 1.4),
                BenchmarkFigure.informational("data", "peak heap", 23.1, "MiB")));
        assertThat(table).isEqualTo("""
                | benchmark | figure | measured | target | met |
                |---|---|---|---|---|
                | checkpoint load | BF16 single file | 0.213 s | < 1 s | yes |
                | training | live \\| cached | 1.310 x | >= 1.4 x | no |
                | data | peak heap | 23.1 MiB | - | - |
                """);
    }
}
