package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ProblemGeneratorProperties {
    /** A config from small random knobs; {@code opsMask} in [1, 7] picks the allowed operations. */
    static ProblemConfig config(int maxSteps, int maxOperand, int opsMask) {
        Set<Operation> operations = EnumSet.noneOf(Operation.class);
        for (Operation operation : Operation.values()) {
            if ((opsMask >> operation.ordinal() & 1) == 1) {
                operations.add(operation);
            }
        }
        return new ProblemConfig(1, maxSteps, 1, maxOperand, 2, 4, 1_000, operations);
    }

    @Test
    void sameSeedGivesTheSameProblems() {
        qt().withFixedSeed(11L).withExamples(40)
                .forAll(longs().all(), integers().between(1, 5), integers().between(1, 7))
                .checkAssert((seed, steps, ops) -> {
                    ProblemConfig config = config(steps, 9, ops);
                    assertThat(new ProblemGenerator(config, seed).distinct(20))
                            .isEqualTo(new ProblemGenerator(config, seed).distinct(20));
                });
    }

    @Test
    void textStatesTheRecordedComputationAndTheReferenceSolutionIsGradedCorrect() {
        qt().withFixedSeed(12L).withExamples(300)
                .forAll(longs().all(), integers().between(1, 5), integers().between(1, 7))
                .checkAssert((seed, steps, ops) -> {
                    ProblemConfig config = config(steps, 20, ops);
                    Problem problem = new ProblemGenerator(config, seed).next();
                    ProblemTextInterpreter.Reading reading = ProblemTextInterpreter.read(problem.text());
                    assertThat(reading.start()).isEqualTo(problem.start());
                    assertThat(reading.steps()).isEqualTo(problem.steps());
                    assertThat(reading.answer()).isEqualTo(problem.answer());
                    assertThat(AnswerChecker.check(problem.referenceSolution(), reading.answer()))
                            .isEqualTo(Verdict.CORRECT);
                    assertThat(AnswerChecker.check(problem.referenceSolution(), reading.answer() + 1))
                            .isEqualTo(Verdict.WRONG);
                });
    }

    @Test
    void problemsRespectEveryKnob() {
        qt().withFixedSeed(13L).withExamples(300)
                .forAll(longs().all(), integers().between(1, 5), integers().between(1, 7))
                .checkAssert((seed, steps, ops) -> {
                    ProblemConfig config = config(steps, 20, ops);
                    Problem problem = new ProblemGenerator(config, seed).next();
                    assertThat(problem.steps().size()).isBetween(config.minSteps(), config.maxSteps());
                    assertThat(problem.start()).isBetween(config.minOperand(), config.maxOperand());
                    for (ArithmeticStep step : problem.steps()) {
                        assertThat(config.operations()).contains(step.operation());
                        if (step.operation() == Operation.MULTIPLY) {
                            assertThat(step.operand()).isBetween(config.minMultiplier(), config.maxMultiplier());
                        } else {
                            assertThat(step.operand()).isBetween(config.minOperand(), config.maxOperand());
                        }
                    }
                    for (Equation equation : problem.equations()) {
                        assertThat(equation.result()).isBetween(0L, config.maxValue());
                    }
                });
    }

    @Test
    void defaultProblemsAndSolutionsStayShort() {
        ProblemGenerator generator = new ProblemGenerator(ProblemConfig.defaults(), 14);
        for (int i = 0; i < 2_000; i++) {
            Problem problem = generator.next();
            assertThat(problem.text().length()).isBetween(50, 170);
            assertThat(problem.referenceSolution().length()).isBetween(30, 100);
        }
        ProblemGenerator hardest = new ProblemGenerator(ProblemConfig.defaults().withSteps(5, 5), 15);
        for (int i = 0; i < 200; i++) {
            Problem problem = hardest.next();
            assertThat(problem.text().length()).isLessThanOrEqualTo(250);
            assertThat(problem.referenceSolution().length()).isLessThanOrEqualTo(110);
        }
    }

    @Test
    void splitsAreDisjointExactlySizedAndDeterministic() {
        qt().withFixedSeed(16L).withExamples(30)
                .forAll(longs().all(), integers().between(0, 200), integers().between(0, 50))
                .checkAssert((seed, train, heldOut) -> {
                    TaskSplits splits = ProblemGenerator.splits(ProblemConfig.defaults(), seed, train, heldOut, heldOut);
                    assertThat(splits.train()).hasSize(train);
                    assertThat(splits.validation()).hasSize(heldOut);
                    assertThat(splits.test()).hasSize(heldOut);
                    List<String> keys = Stream.of(splits.train(), splits.validation(), splits.test())
                            .flatMap(List::stream).map(Problem::canonicalText).toList();
                    assertThat(new HashSet<>(keys)).hasSize(keys.size());
                    assertThat(ProblemGenerator.splits(ProblemConfig.defaults(), seed, train, heldOut, heldOut))
                            .isEqualTo(splits);
                });
    }

    @Test
    void growingTheTrainingSetKeepsTheHeldOutSets() {
        qt().withFixedSeed(17L).withExamples(20)
                .forAll(longs().all(), integers().between(0, 100), integers().between(1, 100))
                .checkAssert((seed, train, extra) -> {
                    TaskSplits small = ProblemGenerator.splits(ProblemConfig.defaults(), seed, train, 20, 30);
                    TaskSplits large = ProblemGenerator.splits(ProblemConfig.defaults(), seed, train + extra, 20, 30);
                    assertThat(large.test()).isEqualTo(small.test());
                    assertThat(large.validation()).isEqualTo(small.validation());
                    assertThat(large.train().subList(0, train)).isEqualTo(small.train());
                });
    }
}
