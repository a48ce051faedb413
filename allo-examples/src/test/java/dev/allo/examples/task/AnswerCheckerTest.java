package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class AnswerCheckerTest {
    @Test
    void readsThePapersFormat() {
        assertThat(AnswerChecker.check("Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 5))
                .isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 6.\nThe answer is: 6", 5))
                .isEqualTo(Verdict.WRONG);
    }

    @Test
    void toleratesColonSpacesCaseAndATrailingPeriod() {
        assertThat(AnswerChecker.check("The answer is 5", 5)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is:5", 5)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is :  5.", 5)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("so the ANSWER IS: 5 apples", 5)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is:\n5\n", 5)).isEqualTo(Verdict.CORRECT);
    }

    @Test
    void readsNegativeNumbersWithEitherMinus() {
        assertThat(AnswerChecker.check("The answer is: -3", -3)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is \u22123.", -3)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is: -3", 3)).isEqualTo(Verdict.WRONG);
        assertThat(AnswerChecker.check("The answer is: -0", 0)).isEqualTo(Verdict.CORRECT);
    }

    @Test
    void comparesDecimalsAndGroupedDigitsByValue() {
        assertThat(AnswerChecker.check("The answer is: 5.0", 5)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is: 5.5", 5)).isEqualTo(Verdict.WRONG);
        assertThat(AnswerChecker.check("The answer is: 1,234", 1234)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is: 007", 7)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.extract("The answer is: 1,234.50")).contains(new BigDecimal("1234.50"));
    }

    @Test
    void onlyTheLastMarkerCounts() {
        assertThat(AnswerChecker.check("The answer is: 4\nThe answer is: 5", 5)).isEqualTo(Verdict.CORRECT);
        assertThat(AnswerChecker.check("The answer is: 5\nThe answer is: 4", 5)).isEqualTo(Verdict.WRONG);
        assertThat(AnswerChecker.check("The answer is: 5. The answer is", 5)).isEqualTo(Verdict.NO_ANSWER);
    }

    @Test
    void noMarkerOrNoNumberIsNoAnswer() {
        assertThat(AnswerChecker.check("", 5)).isEqualTo(Verdict.NO_ANSWER);
        assertThat(AnswerChecker.check("Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.", 5)).isEqualTo(Verdict.NO_ANSWER);
        assertThat(AnswerChecker.check("The answer is: five", 5)).isEqualTo(Verdict.NO_ANSWER);
        assertThat(AnswerChecker.check("The answer is: - 5", 5)).isEqualTo(Verdict.NO_ANSWER);
        assertThat(AnswerChecker.check("The answer: 5", 5)).isEqualTo(Verdict.NO_ANSWER);
        assertThat(AnswerChecker.extract("The answer is:")).isEmpty();
    }

    @Test
    void hugeNumbersAreWrongNotErrors() {
        assertThat(AnswerChecker.check("The answer is: 99999999999999999999999", 5)).isEqualTo(Verdict.WRONG);
        assertThat(AnswerChecker.check("The answer is: " + Long.MAX_VALUE, Long.MAX_VALUE))
                .isEqualTo(Verdict.CORRECT);
    }
}
