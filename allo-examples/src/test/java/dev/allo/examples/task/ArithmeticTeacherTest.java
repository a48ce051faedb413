package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArithmeticTeacherTest {
    /** Tom has 3 apples, buys 4, gives away 2: 3 + 4 = 7, 7 - 2 = 5. */
    private static final Problem TOM = new Problem(
            "Tom has 3 apples. He buys 4 more. Then he gives away 2. How many apples does Tom have now?", "Tom",
            "apple", "apples", 3,
            List.of(new ArithmeticStep(Operation.ADD, 4), new ArithmeticStep(Operation.SUBTRACT, 2)));

    /** Ann has 2 pens, ends up with 2 times as many, buys 5, gives away 1: 2 * 2 = 4, 4 + 5 = 9, 9 - 1 = 8. */
    private static final Problem ANN = new Problem(
            "Ann has 2 pens. She ends up with 2 times as many. Then she buys 5 more. Then she gives away 1. How many "
                    + "pens does Ann have now?", "Ann", "pen", "pens", 2,
            List.of(new ArithmeticStep(Operation.MULTIPLY, 2), new ArithmeticStep(Operation.ADD, 5),
                    new ArithmeticStep(Operation.SUBTRACT, 1)));

    private final ArithmeticTeacher teacher = new ArithmeticTeacher();

    private void assertEdited(Rewrite rewrite, String expected, int slots, int inserted, int deleted) {
        assertThat(rewrite.text()).isEqualTo(expected);
        assertThat(rewrite.outcome()).isEqualTo(Rewrite.Outcome.EDITED);
        assertThat(rewrite.editedSlots()).isEqualTo(slots);
        assertThat(rewrite.insertedSteps()).isEqualTo(inserted);
        assertThat(rewrite.deletedSteps()).isEqualTo(deleted);
        assertThat(rewrite.reason()).isEmpty();
    }

    private void assertFallback(Rewrite rewrite, Problem problem, String reason) {
        assertThat(rewrite.outcome()).isEqualTo(Rewrite.Outcome.REFERENCE_FALLBACK);
        assertThat(rewrite.text()).isEqualTo(problem.referenceSolution());
        assertThat(rewrite.reason()).contains(reason);
    }

    @Test
    void aWrongStepResultIsFixedAndPropagatedToEveryLaterNumber() {
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 8.\n8 - 2 = 6.\nThe answer is: 6"),
                "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 4, 0, 0);
    }

    @Test
    void theWordingIsKeptCharacterForCharacter() {
        assertEdited(teacher.rewrite(TOM, "Tom starts with 3 apples. So 3 + 4 = 8. Then 8 - 2 = 6. The answer is 6."),
                "Tom starts with 3 apples. So 3 + 4 = 7. Then 7 - 2 = 5. The answer is 5.", 4, 0, 0);
    }

    @Test
    void onlyTheLastSlipChangesOnlyTheLastNumbers() {
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 4.\nThe answer is: 4"),
                "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 2, 0, 0);
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 50"),
                "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 1, 0, 0);
    }

    @Test
    void aWrongOperationSymbolIsReplacedWithItsConsequences() {
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples.\n3 * 4 = 12.\n12 - 2 = 10.\nThe answer is: 10"),
                "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 5, 0, 0);
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples.\n3 / 4 = 0.\n0 - 2 = -2.\nThe answer is: -2"),
                "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 5, 0, 0);
    }

    @Test
    void otherMultiplicationSymbolsAreAcceptedAsTheyAre() {
        assertEdited(teacher.rewrite(ANN, "Ann has 2 pens.\n2 \u00d7 2 = 4.\n4 + 5 = 9.\n9 - 1 = 7.\nThe answer is: 7"),
                "Ann has 2 pens.\n2 \u00d7 2 = 4.\n4 + 5 = 9.\n9 - 1 = 8.\nThe answer is: 8", 2, 0, 0);
        assertThat(teacher.rewrite(ANN, "Ann has 2 pens.\n2 x 2 = 4.\n4 + 5 = 9.\n9 - 1 = 8.\nThe answer is: 8")
                .outcome()).isEqualTo(Rewrite.Outcome.UNCHANGED);
    }

    @Test
    void aWrongStartCountAndAWrongOperandAreFixed() {
        assertEdited(teacher.rewrite(TOM, "Tom has 4 apples.\n4 + 4 = 8.\n8 - 3 = 5.\nThe answer is: 5"),
                "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 5, 0, 0);
    }

    @Test
    void aDroppedStepIsInsertedWhereItBelongs() {
        // Step 2 (4 + 5 = 9) left out; the model went on from 4.
        assertEdited(teacher.rewrite(ANN, "Ann has 2 pens.\n2 * 2 = 4.\n4 - 1 = 3.\nThe answer is: 3"),
                ANN.referenceSolution(), 3, 1, 0);
        // Step 1 left out.
        assertEdited(teacher.rewrite(ANN, "Ann has 2 pens.\n2 + 5 = 7.\n7 - 1 = 6.\nThe answer is: 6"),
                ANN.referenceSolution(), 5, 1, 0);
        // The last step left out.
        assertEdited(teacher.rewrite(ANN, "Ann has 2 pens.\n2 * 2 = 4.\n4 + 5 = 9.\nThe answer is: 9"),
                ANN.referenceSolution(), 1, 1, 0);
        // Inserted lines follow the prediction's own separator.
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples. So 3 - 2 = 1. The answer is: 1"),
                "Tom has 3 apples. 3 + 4 = 7. So 7 - 2 = 5. The answer is: 5", 3, 1, 0);
    }

    @Test
    void aSolutionWithoutWorkingGetsEveryStepInserted() {
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples.\nThe answer is: 3"), TOM.referenceSolution(), 1, 2, 0);
        assertEdited(teacher.rewrite(TOM, "The answer is: 9"), "3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 1, 2, 0);
    }

    @Test
    void aSuperfluousStepIsDeletedWithItsSentence() {
        assertEdited(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7.\n7 + 4 = 11.\n11 - 2 = 9.\nThe answer is: 9"),
                TOM.referenceSolution(), 3, 0, 1);
    }

    @Test
    void aMissingIntroductionStaysMissing() {
        assertEdited(teacher.rewrite(TOM, "3 + 4 = 8.\n8 - 2 = 6.\nThe answer is: 6"),
                "3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5", 4, 0, 0);
    }

    @Test
    void aCorrectSolutionIsReturnedUnchanged() {
        String reworded = "Tom starts with 3 apples. Then 3 + 4 = 7. Then 7 - 2 = 5. The answer is 5.";
        Rewrite rewrite = teacher.rewrite(TOM, reworded);
        assertThat(rewrite).isEqualTo(new Rewrite(reworded, Rewrite.Outcome.UNCHANGED, 0, 0, 0, ""));
    }

    @Test
    void aRightAnswerWithWrongWorkingIsStillCorrected() {
        Problem doubling = new Problem("Sam has 2 coins. He ends up with 2 times as many. How many coins does Sam "
                + "have now?", "Sam", "coin", "coins", 2, List.of(new ArithmeticStep(Operation.MULTIPLY, 2)));
        assertEdited(teacher.rewrite(doubling, "Sam has 2 coins.\n2 + 2 = 4.\nThe answer is: 4"),
                "Sam has 2 coins.\n2 * 2 = 4.\nThe answer is: 4", 1, 0, 0);
    }

    @Test
    void unrecoverableStructuresFallBackToTheReferenceSayingWhy() {
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5."), TOM,
                "no \"The answer is\"");
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7.\nThe answer is:"), TOM,
                "no number after the last \"The answer is\"");
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7.\nThe answer is: 7.5"), TOM,
                "the answer 7.5 is not written as a plain integer");
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples and buys 4.\n3 + 4 = 7.\nThe answer is: 7"), TOM,
                "the number 4 at index 26 is neither the start count, part of an equation, nor the answer");
        assertFallback(teacher.rewrite(TOM, "3 + 4 = 7.\nTom has 3 apples.\nThe answer is: 7"), TOM,
                "the number 3 at index 19 is neither the start count");
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5 (2 left)"),
                TOM, "the number 2 at index 58 is neither");
        assertFallback(teacher.rewrite(TOM, "The answer is: 7. Check: 3 + 4 = 7. The answer is: 7"), TOM,
                "\"The answer is\" occurs 2 times in the prediction");
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples.\nThe answer is: 5\n3 + 4 = 7"), TOM,
                "an equation follows the answer at index 35");
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7, 7 + 1 = 8 and 8 - 2 = 6.\nThe answer is: 6"),
                TOM, "shares its sentence with other numbers");
        assertFallback(teacher.rewrite(TOM, "Tom has 3 apples.\n3 + 4 = 7 so the answer is: 7"), TOM,
                "the missing step 7 - 2 = 5 has no sentence boundary to go at");
    }
}
