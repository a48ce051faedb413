package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SystematicMistakesTest {

    private static Problem problem(String text, long start, ArithmeticStep... steps) {
        return new Problem(text, "Tom", "apple", "apples", start, List.of(steps));
    }

    /** The systematic task's problems: 1 to {@code maxSteps} steps of + or -, operands 1-9, totals up to 30. */
    private static ProblemGenerator systematic(int maxSteps, long seed) {
        return new ProblemGenerator(ProblemConfig.defaults().withSteps(1, maxSteps)
                .withOperations(EnumSet.of(Operation.ADD, Operation.SUBTRACT)).withMaxValue(30), seed);
    }

    private static ArithmeticStep add(long n) {
        return new ArithmeticStep(Operation.ADD, n);
    }

    private static ArithmeticStep sub(long n) {
        return new ArithmeticStep(Operation.SUBTRACT, n);
    }

    @Test
    void losesIsReadAsAnAddition() {
        Problem p = problem("Tom has 9 apples. He buys 4 more. Then he loses 2. How many apples does Tom have now?",
                9, add(4), sub(2));
        assertThat(SystematicMistakes.solution(p, SystematicMistake.PHRASE_OPERATION)).contains(
                "Tom has 9 apples.\n9 + 4 = 13.\n13 + 2 = 15.\nThe answer is: 15");
        assertThat(SystematicMistakes.wrongAnswer(p, SystematicMistake.PHRASE_OPERATION)).contains(15L);
    }

    @Test
    void otherSubtractPhrasesAreLeftAlone() {
        Problem p = problem("Tom has 9 apples. He sells 4. Then he gives away 2. How many apples does Tom have now?",
                9, sub(4), sub(2));
        assertThat(SystematicMistakes.equations(p, SystematicMistake.PHRASE_OPERATION)).isEmpty();
    }

    @Test
    void aCarryIsDroppedAndTheSlipPropagates() {
        Problem p = problem("Tom has 7 apples. He finds 5 more. Then he sells 1. How many apples does Tom have now?",
                7, add(5), sub(1));
        assertThat(SystematicMistakes.solution(p, SystematicMistake.DROPPED_CARRY)).contains(
                "Tom has 7 apples.\n7 + 5 = 2.\n2 - 1 = 1.\nThe answer is: 1");
        Problem twoDigit = problem("Tom has 17 apples. He gets 5 more. How many apples does Tom have now?", 17,
                add(5));
        assertThat(SystematicMistakes.wrongAnswer(twoDigit, SystematicMistake.DROPPED_CARRY)).contains(12L);
        Problem noCarry = problem("Tom has 12 apples. He gets 5 more. How many apples does Tom have now?", 12,
                add(5));
        assertThat(SystematicMistakes.applicable(noCarry)).isEmpty();
    }

    @Test
    void aDroppedCarryThatWouldGoNegativeDoesNotApply() {
        Problem p = problem("Tom has 7 apples. He finds 5 more. Then he sells 9. How many apples does Tom have now?",
                7, add(5), sub(9));
        assertThat(SystematicMistakes.equations(p, SystematicMistake.DROPPED_CARRY)).isEmpty();
    }

    @Test
    void aLaterFindsStepReusesTheStartCount() {
        Problem p = problem("Tom has 3 apples. He buys 4 more. Then he finds 2 more. How many apples does Tom have"
                + " now?", 3, add(4), add(2));
        assertThat(SystematicMistakes.solution(p, SystematicMistake.REUSED_QUANTITY)).contains(
                "Tom has 3 apples.\n3 + 4 = 7.\n7 + 3 = 10.\nThe answer is: 10");
        Problem firstStep = problem("Tom has 3 apples. He finds 2 more. How many apples does Tom have now?", 3,
                add(2));
        assertThat(SystematicMistakes.equations(firstStep, SystematicMistake.REUSED_QUANTITY)).isEmpty();
    }

    @Test
    void applicableListsEveryClassThatChangesTheAnswer() {
        Problem p = problem("Tom has 8 apples. He loses 2. Then he finds 5 more. How many apples does Tom have now?",
                8, sub(2), add(5));
        // loses -> 8 + 2 = 10, 10 + 5 = 15; carry: 6 + 5 = 1; reuse: 6 + 8 = 14
        assertThat(SystematicMistakes.applicable(p)).isEqualTo(EnumSet.allOf(SystematicMistake.class));
        assertThat(SystematicMistakes.wrongAnswer(p, SystematicMistake.PHRASE_OPERATION)).contains(15L);
        assertThat(SystematicMistakes.wrongAnswer(p, SystematicMistake.DROPPED_CARRY)).contains(1L);
        assertThat(SystematicMistakes.wrongAnswer(p, SystematicMistake.REUSED_QUANTITY)).contains(14L);
    }

    @Test
    void classifyNamesTheClassARevealedAnswerBelongsTo() {
        Problem p = problem("Tom has 9 apples. He buys 4 more. Then he loses 2. How many apples does Tom have now?",
                9, add(4), sub(2));
        assertThat(SystematicMistakes.classify(p, "9 + 4 = 13.\n13 + 2 = 15.\nThe answer is: 15"))
                .contains(EnumSet.of(SystematicMistake.PHRASE_OPERATION));
        // dropped carry: 9 + 4 = 3, 3 - 2 = 1
        assertThat(SystematicMistakes.classify(p, "The answer is: 1")).contains(EnumSet.of(
                SystematicMistake.DROPPED_CARRY));
        // both: 9 + 4 = 3, 3 + 2 = 5
        assertThat(SystematicMistakes.wrongAnswer(p, EnumSet.of(SystematicMistake.PHRASE_OPERATION,
                SystematicMistake.DROPPED_CARRY))).contains(5L);
        assertThat(SystematicMistakes.classify(p, "The answer is: 5")).contains(EnumSet.of(
                SystematicMistake.PHRASE_OPERATION, SystematicMistake.DROPPED_CARRY));
        assertThat(SystematicMistakes.classify(p, "The answer is: 11")).isEqualTo(Optional.empty());
        assertThat(SystematicMistakes.classify(p, "The answer is: 16")).isEmpty();
        assertThat(SystematicMistakes.classify(p, "no answer")).isEmpty();
    }

    @Test
    void classesApplyTogetherAtEveryTriggerWithinAStepInOrder() {
        // "loses 5" read as + 5 on 8: 8 + 5 = 13 would carry, so with both classes it is written 8 + 5 = 3.
        Problem p = problem("Tom has 8 apples. He loses 5. Then he finds 2 more. How many apples does Tom have now?",
                8, sub(5), add(2));
        assertThat(SystematicMistakes.solution(p, EnumSet.allOf(SystematicMistake.class))).contains(
                "Tom has 8 apples.\n8 + 5 = 3.\n3 + 8 = 1.\nThe answer is: 1");
        // a set applies only when each of its classes triggers
        Problem noFinds = problem("Tom has 8 apples. He loses 5. How many apples does Tom have now?", 8, sub(5));
        assertThat(SystematicMistakes.equations(noFinds, EnumSet.of(SystematicMistake.PHRASE_OPERATION,
                SystematicMistake.REUSED_QUANTITY))).isEmpty();
        assertThat(SystematicMistakes.subsets(EnumSet.of(SystematicMistake.PHRASE_OPERATION,
                SystematicMistake.DROPPED_CARRY))).containsExactly(EnumSet.of(SystematicMistake.PHRASE_OPERATION),
                        EnumSet.of(SystematicMistake.DROPPED_CARRY), EnumSet.of(SystematicMistake.PHRASE_OPERATION,
                                SystematicMistake.DROPPED_CARRY));
    }

    @Test
    void generatedProblemsAreReadAndEveryMistakeIsWrongAndNonNegative() {
        ProblemGenerator generator = systematic(2, 42);
        int triggered = 0;
        for (int i = 0; i < 2000; i++) {
            Problem p = generator.next();
            assertThat(SystematicMistakes.stepPhrases(p)).hasSize(p.steps().size());
            for (SystematicMistake m : SystematicMistakes.applicable(p)) {
                String text = SystematicMistakes.solution(p, m).orElseThrow();
                assertThat(AnswerChecker.check(text, p.answer())).isEqualTo(Verdict.WRONG);
                assertThat(text).doesNotContain("-1", "= -");
                assertThat(SystematicMistakes.classify(p, text)).isPresent();
            }
            for (var set : SystematicMistakes.subsets(SystematicMistakes.applicable(p))) {
                SystematicMistakes.solution(p, set).ifPresent(text -> {
                    assertThat(AnswerChecker.check(text, p.answer())).isEqualTo(Verdict.WRONG);
                    assertThat(SystematicMistakes.classify(p, text)).isPresent();
                });
            }
            triggered += SystematicMistakes.applicable(p).isEmpty() ? 0 : 1;
        }
        // Triggers cover more than 30% of problems, so the default fraction is reachable.
        assertThat(triggered / 2000.0).isBetween(0.35, 0.7);
    }

    @Test
    void onOneStepProblemsTheTwoClassesAreWhatTheyClaim() {
        ProblemGenerator generator = systematic(1, 11);
        int triggered = 0;
        int phrase = 0;
        int carry = 0;
        for (int i = 0; i < 3000; i++) {
            Problem p = generator.next();
            ProblemTextInterpreter.Reading r = ProblemTextInterpreter.read(p.text());
            long a = r.start();
            long b = r.steps().get(0).operand();
            boolean loses = p.text().contains(" loses ");
            boolean carries = r.steps().get(0).operation() == Operation.ADD && a % 10 + b % 10 >= 10;
            assertThat(SystematicMistakes.applicable(p).contains(SystematicMistake.PHRASE_OPERATION)).as(p.text())
                    .isEqualTo(loses);
            assertThat(SystematicMistakes.applicable(p).contains(SystematicMistake.DROPPED_CARRY)).as(p.text())
                    .isEqualTo(carries);
            assertThat(SystematicMistakes.applicable(p)).doesNotContain(SystematicMistake.REUSED_QUANTITY);
            if (loses) {
                assertThat(SystematicMistakes.solution(p, SystematicMistake.PHRASE_OPERATION)).contains(
                        SolutionWriter.write(p, List.of(new Equation(a, Operation.ADD, b, a + b))));
                assertThat(SystematicMistakes.wrongAnswer(p, SystematicMistake.PHRASE_OPERATION)).contains(a + b);
            }
            if (carries) {
                assertThat(SystematicMistakes.wrongAnswer(p, SystematicMistake.DROPPED_CARRY)).contains(a + b - 10);
            }
            triggered += loses || carries ? 1 : 0;
            phrase += loses ? 1 : 0;
            carry += carries ? 1 : 0;
        }
        // One subtraction verb of three, half the steps subtract: about 1/6; a carry in 45 of the 81 single-digit
        // sums, half the steps add: about 0.28.
        assertThat(phrase / 3000.0).isBetween(0.13, 0.21);
        assertThat(carry / 3000.0).isBetween(0.23, 0.33);
        assertThat(triggered / 3000.0).isBetween(0.38, 0.52);
    }
}
