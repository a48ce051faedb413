package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NoisyDemonstrationsTest {
    private static final ProblemConfig CONFIG = ProblemConfig.defaults().withSteps(1, 2)
            .withOperations(EnumSet.of(Operation.ADD, Operation.SUBTRACT)).withMaxValue(30);
    private static final Set<SystematicMistake> ALL = EnumSet.allOf(SystematicMistake.class);

    @Test
    void theFractionOfMistakenDemonstrationsIsTheKnob() {
        List<Problem> problems = new ProblemGenerator(CONFIG, 1).distinct(3000);
        List<NoisyDemonstrations.Demonstration> d = NoisyDemonstrations.build(problems, 0.4, ALL, 5);
        long mistaken = d.stream().filter(x -> !x.mistakes().isEmpty()).count();
        assertThat(mistaken / 3000.0).isBetween(0.37, 0.43); // binomial sd ~ 0.009
        for (NoisyDemonstrations.Demonstration x : d) {
            if (!x.mistakes().isEmpty()) {
                assertThat(SystematicMistakes.applicable(x.problem())).containsAll(x.mistakes());
                assertThat(x.solution()).isEqualTo(SystematicMistakes.solution(x.problem(), x.mistakes())
                        .orElseThrow());
            } else {
                assertThat(x.solution()).isEqualTo(x.problem().referenceSolution());
            }
        }
        // Per class, on the problems it applies to, its mistake is the majority, so greedy decoding of a model that
        // learns the demonstrations makes it.
        for (SystematicMistake m : SystematicMistake.values()) {
            long applies = 0;
            long made = 0;
            for (NoisyDemonstrations.Demonstration x : d) {
                if (SystematicMistakes.applicable(x.problem()).contains(m)) {
                    applies++;
                    made += x.mistakes().contains(m) ? 1 : 0;
                }
            }
            assertThat(made / (double) applies).as(m.name()).isGreaterThan(0.6);
        }
    }

    @Test
    void fractionZeroGivesTheReferenceSolutions() {
        List<Problem> problems = new ProblemGenerator(CONFIG, 2).distinct(200);
        assertThat(NoisyDemonstrations.build(problems, 0.0, ALL, 1)).allSatisfy(x -> {
            assertThat(x.mistakes()).isEmpty();
            assertThat(x.solution()).isEqualTo(x.problem().referenceSolution());
        });
    }

    @Test
    void deterministicAndValidated() {
        List<Problem> problems = new ProblemGenerator(CONFIG, 3).distinct(100);
        assertThat(NoisyDemonstrations.build(problems, 0.3, ALL, 9)).isEqualTo(
                NoisyDemonstrations.build(problems, 0.3, ALL, 9));
        assertThatThrownBy(() -> NoisyDemonstrations.build(problems, 1.0, ALL, 1)).hasMessageContaining(
                "mistake fraction must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> NoisyDemonstrations.build(problems, 0.3, Set.of(), 1)).hasMessageContaining(
                "mistake classes must name at least one class, got []");
    }

    @Test
    void onlyTheClassesAskedForAreTaught() {
        List<Problem> problems = new ProblemGenerator(CONFIG, 4).distinct(3000);
        Set<SystematicMistake> phrase = EnumSet.of(SystematicMistake.PHRASE_OPERATION);
        List<NoisyDemonstrations.Demonstration> d = NoisyDemonstrations.build(problems, 0.1, phrase, 5);
        long loses = problems.stream().filter(p -> SystematicMistakes.applicable(p)
                .contains(SystematicMistake.PHRASE_OPERATION)).count();
        long mistaken = 0;
        for (NoisyDemonstrations.Demonstration x : d) {
            if (x.mistakes().isEmpty()) {
                assertThat(x.solution()).isEqualTo(x.problem().referenceSolution());
            } else {
                mistaken++;
                assertThat(x.mistakes()).isEqualTo(phrase);
                assertThat(x.solution()).isEqualTo(SystematicMistakes.solution(x.problem(), phrase).orElseThrow());
            }
        }
        // q = 0.1 * 3000 / loses of the triggered problems carry the mistake: about 300 in all.
        assertThat(loses).isGreaterThan(300);
        assertThat(mistaken).isBetween(250L, 350L);
    }
}
