package dev.allo.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import dev.allo.examples.bench.BenchmarkFigure.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllBenchmarksTest {
    @Test
    void objectiveSharesDivideByTheShortestModelStepOfTheSameRun() {
        List<BenchmarkFigure> model = List.of(
                BenchmarkFigure.checked("model", "ratio", 67, "%", Comparison.AT_LEAST, 60),
                BenchmarkFigure.informational("model", ModelBenchmark.STEP_FIGURE + " I=1024", 250, "ms"),
                BenchmarkFigure.informational("model", ModelBenchmark.STEP_FIGURE + " I=688", 200, "ms"));
        List<BenchmarkFigure> objective = List.of(
                BenchmarkFigure.informational("objective", ObjectiveBenchmark.STEP_FIGURE + " dpo", 1.2, "ms"),
                BenchmarkFigure.informational("objective", ObjectiveBenchmark.STEP_FIGURE + " slow", 5, "ms"));

        List<BenchmarkFigure> shares = AllBenchmarks.objectiveShares(objective, model);

        assertThat(shares).extracting(BenchmarkFigure::measured).containsExactly(0.6, 2.5);
        assertThat(shares).extracting(BenchmarkFigure::verdict).containsExactly(Verdict.MET, Verdict.NOT_MET);
        assertThat(shares.get(0).figure()).isEqualTo("dpo fwd+bwd (1.200 ms) / model fwd+bwd step (I=688, 200.0 ms)");
        assertThat(shares.get(0).target()).isEqualTo("< 2 %");
    }

    @Test
    void withoutAModelStepFigureTheShareCannotBeComputed() {
        List<BenchmarkFigure> objective = List.of(
                BenchmarkFigure.informational("objective", ObjectiveBenchmark.STEP_FIGURE + " dpo", 1.2, "ms"));
        assertThatThrownBy(() -> AllBenchmarks.objectiveShares(objective, List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(ModelBenchmark.STEP_FIGURE);
    }

    @Test
    void unknownArgumentsAreRejectedBeforeAnythingRuns() {
        assertThatThrownBy(() -> AllBenchmarks.main(new String[] {"--quick"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown argument '--quick': the only option is --full");
    }
}
