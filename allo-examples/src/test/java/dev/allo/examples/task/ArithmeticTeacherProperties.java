package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The teacher's rewrite is correct and minimal. Minimal is checked on the tests' own token view ({@link
 * SolutionTokens}): after taking out a line the teacher had to insert, the rewrite has exactly the prediction's
 * tokens, except at the positions of math tokens (numbers, operation symbols) whose value differs from the reference
 * computation's, and there it has the reference's value. So every changed token had to change, and every token that
 * had to change did.
 */
class ArithmeticTeacherProperties {
    private static final Pattern EQUATION = Pattern.compile("\\d+ [-+*] \\d+ = \\d+");
    private static final ProblemConfig CONFIG = ProblemConfig.defaults().withSteps(1, 5).withOperands(1, 20)
            .withMaxValue(500);

    private final ArithmeticTeacher teacher = new ArithmeticTeacher();

    private static Problem problem(long seed) {
        return new ProblemGenerator(CONFIG, seed).next();
    }

    @Test
    void rewritesOfSingleMistakesAreCorrectAndChangeOnlyTheTokensThatMustChange() {
        qt().withFixedSeed(31L).withExamples(600)
                .forAll(longs().all(), integers().between(0, Mistake.values().length - 1), integers().between(0, 15))
                .checkAssert((seed, kind, style) -> {
                    Problem problem = problem(seed);
                    WrongSolutionGenerator wrongs = new WrongSolutionGenerator(seed);
                    WrongSolution wrong = wrongs.next(problem, Mistake.values()[kind])
                            .orElseGet(() -> wrongs.next(problem));
                    String prediction = Rewording.apply(wrong.text(), style);
                    Rewrite rewrite = teacher.rewrite(problem, prediction);

                    assertThat(rewrite.outcome()).as(prediction).isEqualTo(Rewrite.Outcome.EDITED);
                    assertThat(AnswerChecker.check(rewrite.text(), problem.answer())).isEqualTo(Verdict.CORRECT);
                    assertThat(rewrite.deletedSteps()).isZero();
                    List<String> truthMath = SolutionTokens.math(SolutionTokens.of(problem.referenceSolution()));
                    if (wrong.mistake() != Mistake.DROPPED_STEP) {
                        assertThat(rewrite.insertedSteps()).isZero();
                        assertThat(minimalEditFailure(prediction, rewrite.text(), truthMath, rewrite.editedSlots()))
                                .as("%s%n->%n%s", prediction, rewrite.text()).isNull();
                        return;
                    }
                    // A dropped step: the rewrite inserts the reference line of some step i (with repeated steps,
                    // not necessarily the dropped one) and changes the rest minimally for that placement, never
                    // needing more changes than putting back the dropped step itself would.
                    assertThat(rewrite.insertedSteps()).isEqualTo(1);
                    List<String> failures = new ArrayList<>();
                    for (int i = 0; i < problem.steps().size(); i++) {
                        String kept = withoutInsertedLine(rewrite.text(), problem.equations().get(i), i,
                                Rewording.separator(style));
                        failures.add(kept == null ? "line " + i + " is not the reference's"
                                : minimalEditFailure(prediction, kept, withoutStep(truthMath, i),
                                        rewrite.editedSlots()));
                    }
                    assertThat(failures).as("%s%n->%n%s", prediction, rewrite.text()).containsNull();
                    assertThat(rewrite.editedSlots()).isLessThanOrEqualTo(
                            mismatches(SolutionTokens.math(SolutionTokens.of(prediction)),
                                    withoutStep(truthMath, wrong.step())));
                });
    }

    /**
     * Why {@code rewrite} is not a minimal edit of {@code prediction} towards {@code truthMath}, or null when it is:
     * it must have exactly the tokens of {@code prediction} except at math tokens whose value differs from {@code
     * truthMath}, have the truth there, and have taken {@code editedSlots} changes.
     */
    private static String minimalEditFailure(String prediction, String rewrite, List<String> truthMath,
            int editedSlots) {
        List<String> before = SolutionTokens.of(prediction);
        List<String> after = SolutionTokens.of(rewrite);
        if (before.size() != after.size()) {
            return "token counts differ: " + before + " vs " + after;
        }
        List<Integer> changed = SolutionTokens.changedPositions(before, after);
        for (int k : changed) {
            if (!SolutionTokens.isMath(before.get(k)) || !SolutionTokens.isMath(after.get(k))) {
                return "only numbers and operation symbols may change, but \"" + before.get(k) + "\" became \""
                        + after.get(k) + "\"";
            }
        }
        if (!SolutionTokens.math(after).equals(truthMath)) {
            return "the computation " + SolutionTokens.math(after) + " is not the truth " + truthMath;
        }
        int mustChange = mismatches(SolutionTokens.math(before), truthMath);
        if (changed.size() != mustChange || editedSlots != mustChange) {
            return changed.size() + " tokens changed and " + editedSlots + " slots reported, but " + mustChange
                    + " had to change";
        }
        return null;
    }

    /** The number of positions at which two equally long math-token lists differ. */
    private static int mismatches(List<String> written, List<String> truth) {
        assertThat(written).hasSameSizeAs(truth);
        int count = 0;
        for (int i = 0; i < truth.size(); i++) {
            count += written.get(i).equals(truth.get(i)) ? 0 : 1;
        }
        return count;
    }

    /** The reference's math tokens without those of step {@code i} (the start count comes first, then 4 per step). */
    private static List<String> withoutStep(List<String> truthMath, int i) {
        List<String> out = new ArrayList<>(truthMath);
        out.subList(1 + 4 * i, 1 + 4 * i + 4).clear();
        return out;
    }

    /**
     * The rewrite without its {@code index}-th equation line, if that line is the reference line of {@code step}
     * followed by the prediction's separator; null otherwise.
     */
    private static String withoutInsertedLine(String rewrite, Equation step, int index, String separator) {
        Matcher equation = EQUATION.matcher(rewrite);
        for (int i = 0; i <= index; i++) {
            assertThat(equation.find()).as("equation %s of %s", i, rewrite).isTrue();
        }
        String inserted = step.format() + "." + separator;
        if (!rewrite.startsWith(inserted, equation.start())) {
            return null;
        }
        return rewrite.substring(0, equation.start()) + rewrite.substring(equation.start() + inserted.length());
    }

    @Test
    void aRepeatedLineIsDeletedAndNothingElseChanges() {
        qt().withFixedSeed(32L).withExamples(300)
                .forAll(longs().all(), integers().between(0, 4), integers().between(0, 15))
                .checkAssert((seed, line, style) -> {
                    Problem problem = problem(seed);
                    List<String> lines = new ArrayList<>(List.of(problem.referenceSolution().split("\n")));
                    int repeated = 1 + line % problem.steps().size();
                    lines.add(repeated, lines.get(repeated));
                    Rewrite rewrite = teacher.rewrite(problem, Rewording.apply(String.join("\n", lines), style));
                    assertThat(rewrite.outcome()).isEqualTo(Rewrite.Outcome.EDITED);
                    assertThat(rewrite.deletedSteps()).isEqualTo(1);
                    assertThat(rewrite.editedSlots()).isZero();
                    assertThat(rewrite.text()).isEqualTo(Rewording.apply(problem.referenceSolution(), style));
                });
    }

    @Test
    void correctSolutionsInAnyWordingAreLeftUnchanged() {
        qt().withFixedSeed(33L).withExamples(300)
                .forAll(longs().all(), integers().between(0, 15))
                .checkAssert((seed, style) -> {
                    Problem problem = problem(seed);
                    String solution = Rewording.apply(problem.referenceSolution(), style);
                    assertThat(teacher.rewrite(problem, solution))
                            .isEqualTo(new Rewrite(solution, Rewrite.Outcome.UNCHANGED, 0, 0, 0, ""));
                });
    }

    @Test
    void truncatedSolutionsFallBackToTheReferenceSayingWhy() {
        qt().withFixedSeed(34L).withExamples(300)
                .forAll(longs().all(), integers().between(0, 15), integers().between(0, 1_000))
                .checkAssert((seed, style, cut) -> {
                    Problem problem = problem(seed);
                    String wrong = Rewording.apply(new WrongSolutionGenerator(seed).next(problem).text(), style);
                    String truncated = wrong.substring(0, cut % wrong.indexOf("The answer is"));
                    Rewrite rewrite = teacher.rewrite(problem, truncated);
                    assertThat(rewrite.outcome()).isEqualTo(Rewrite.Outcome.REFERENCE_FALLBACK);
                    assertThat(rewrite.text()).isEqualTo(problem.referenceSolution());
                    assertThat(rewrite.reason()).isEqualTo("no \"The answer is\" in the prediction");
                    assertThat(AnswerChecker.check(rewrite.text(), problem.answer())).isEqualTo(Verdict.CORRECT);
                });
    }
}
