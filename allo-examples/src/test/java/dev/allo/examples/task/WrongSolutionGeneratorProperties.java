package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WrongSolutionGeneratorProperties {
    private static final ProblemConfig CONFIG = ProblemConfig.defaults().withSteps(1, 5);

    @Test
    void everyWrongSolutionIsGradedWrongAndShowsOnlyNonNegativeValues() {
        qt().withFixedSeed(41L).withExamples(500)
                .forAll(longs().all())
                .checkAssert(seed -> {
                    Problem problem = new ProblemGenerator(CONFIG, seed).next();
                    WrongSolution wrong = new WrongSolutionGenerator(seed).next(problem);
                    assertThat(AnswerChecker.check(wrong.text(), problem.answer())).isEqualTo(Verdict.WRONG);
                    assertThat(wrong.text()).doesNotContain("= -");
                    assertThat(wrong.text()).startsWith(problem.subject() + " has " + problem.start() + " ");
                });
    }

    @Test
    void theMistakeIsTheOneDescribedAndLaterStepsFollowFromIt() {
        qt().withFixedSeed(42L).withExamples(500)
                .forAll(longs().all(), integers().between(0, Mistake.values().length - 1))
                .checkAssert((seed, kind) -> {
                    Problem problem = new ProblemGenerator(CONFIG, seed).next();
                    Mistake mistake = Mistake.values()[kind];
                    Optional<WrongSolution> made = new WrongSolutionGenerator(seed).next(problem, mistake);
                    if (made.isEmpty()) {
                        return; // this problem admits no such mistake; the next property covers the fallback
                    }
                    WrongSolution wrong = made.get();
                    assertThat(wrong.mistake()).isEqualTo(mistake);
                    List<Equation> truth = problem.equations();
                    List<Equation> written = wrong.equations();
                    int s = wrong.step();
                    assertThat(written.subList(0, s)).isEqualTo(truth.subList(0, s));
                    int resumeTruth = s + 1;
                    int resumeWritten = mistake == Mistake.DROPPED_STEP ? s : s + 1;
                    assertThat(written).hasSize(truth.size() - (mistake == Mistake.DROPPED_STEP ? 1 : 0));
                    if (mistake != Mistake.DROPPED_STEP) {
                        Equation slipped = written.get(s);
                        Equation right = truth.get(s);
                        switch (mistake) {
                            case ARITHMETIC_SLIP -> {
                                assertThat(slipped.operation()).isEqualTo(right.operation());
                                assertThat(slipped.right()).isEqualTo(right.right());
                                assertThat(Math.abs(slipped.result()
                                        - slipped.operation().apply(slipped.left(), slipped.right())))
                                        .isIn(1L, 2L, 10L);
                            }
                            case WRONG_OPERAND -> {
                                assertThat(slipped.operation()).isEqualTo(right.operation());
                                assertThat(Math.abs(slipped.right() - right.right())).isIn(1L, 2L);
                                assertThat(slipped.result())
                                        .isEqualTo(slipped.operation().apply(slipped.left(), slipped.right()));
                            }
                            default -> {
                                assertThat(slipped.operation()).isNotEqualTo(right.operation());
                                assertThat(slipped.right()).isEqualTo(right.right());
                                assertThat(slipped.result())
                                        .isEqualTo(slipped.operation().apply(slipped.left(), slipped.right()));
                            }
                        }
                    }
                    long total = resumeWritten == 0 ? problem.start() : written.get(resumeWritten - 1).result();
                    for (int i = resumeTruth; i < truth.size(); i++) {
                        Equation line = written.get(resumeWritten + i - resumeTruth);
                        ArithmeticStep step = problem.steps().get(i);
                        assertThat(line).isEqualTo(new Equation(total, step.operation(), step.operand(),
                                step.operation().apply(total, step.operand())));
                        total = line.result();
                    }
                    assertThat(wrong.text()).isEqualTo(SolutionWriter.write(problem, written));
                });
    }

    @Test
    void sameSeedGivesTheSameWrongSolutions() {
        qt().withFixedSeed(43L).withExamples(100)
                .forAll(longs().all())
                .checkAssert(seed -> {
                    Problem problem = new ProblemGenerator(CONFIG, seed).next();
                    WrongSolutionGenerator a = new WrongSolutionGenerator(seed);
                    WrongSolutionGenerator b = new WrongSolutionGenerator(seed);
                    for (int i = 0; i < 5; i++) {
                        assertThat(a.next(problem)).isEqualTo(b.next(problem));
                    }
                });
    }
}
