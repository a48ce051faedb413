package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoisyDemonstrationsTest {
    private static final ProblemConfig CONFIG = ProblemConfig.defaults().withSteps(1, 2)
            .withOperations(EnumSet.of(Operation.ADD, Operation.SUBTRACT)).withMaxValue(30);

    @Test
    void theFractionOfMistakenDemonstrationsIsTheKnob() {
        List<Problem> problems = new ProblemGenerator(CONFIG, 1).distinct(3000);
        List<NoisyDemonstrations.Demonstration> d = NoisyDemonstrations.build(problems, 0.3, 5);
        long mistaken = d.stream().filter(x -> x.mistake().isPresent()).count();
        assertThat(mistaken / 3000.0).isBetween(0.27, 0.33); // binomial sd ~ 0.008
        for (NoisyDemonstrations.Demonstration x : d) {
            if (x.mistake().isPresent()) {
                assertThat(SystematicMistakes.applicable(x.problem())).contains(x.mistake().get());
                assertThat(x.solution()).isEqualTo(SystematicMistakes.solution(x.problem(), x.mistake().get())
                        .orElseThrow());
            } else {
                assertThat(x.solution()).isEqualTo(x.problem().referenceSolution());
            }
        }
        // On triggered problems the mistake is the majority, so greedy decoding of a faithful model makes it.
        long triggered = problems.stream().filter(p -> !SystematicMistakes.applicable(p).isEmpty()).count();
        assertThat(mistaken / (double) triggered).isGreaterThan(0.5);
    }

    @Test
    void fractionZeroGivesTheReferenceSolutions() {
        List<Problem> problems = new ProblemGenerator(CONFIG, 2).distinct(200);
        assertThat(NoisyDemonstrations.build(problems, 0.0, 1)).allSatisfy(x -> {
            assertThat(x.mistake()).isEmpty();
            assertThat(x.solution()).isEqualTo(x.problem().referenceSolution());
        });
    }

    @Test
    void deterministicAndValidated() {
        List<Problem> problems = new ProblemGenerator(CONFIG, 3).distinct(100);
        assertThat(NoisyDemonstrations.build(problems, 0.3, 9)).isEqualTo(NoisyDemonstrations.build(problems, 0.3,
                9));
        assertThatThrownBy(() -> NoisyDemonstrations.build(problems, 1.0, 1)).hasMessageContaining(
                "mistake fraction must be in [0, 1), got 1.0");
    }
}
