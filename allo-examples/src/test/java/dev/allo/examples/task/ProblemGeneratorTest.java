package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemGeneratorTest {
    @Test
    void referenceSolutionWritesOneLinePerStepInThePapersFormat() {
        Problem problem = new Problem("Tom has 3 apples. He buys 4 more. Then he gives away 2. How many apples does "
                + "Tom have now?", "Tom", "apple", "apples", 3,
                List.of(new ArithmeticStep(Operation.ADD, 4), new ArithmeticStep(Operation.SUBTRACT, 2)));
        assertThat(problem.referenceSolution()).isEqualTo("Tom has 3 apples.\n3 + 4 = 7.\n7 - 2 = 5.\nThe answer is: 5");
        assertThat(problem.answer()).isEqualTo(5);
        assertThat(problem.equations()).containsExactly(
                new Equation(3, Operation.ADD, 4, 7), new Equation(7, Operation.SUBTRACT, 2, 5));
    }

    @Test
    void theProblemsOfASeedArePinned() {
        // Every data set derives from this sequence: a change here changes all of them, so it must be deliberate.
        ProblemGenerator generator = new ProblemGenerator(ProblemConfig.defaults(), 1);
        assertThat(generator.next().text()).isEqualTo("Ann has 7 books. She ends up with 2 times as many. Then she "
                + "ends up with 3 times as many. How many books does Ann have now?");
        assertThat(generator.next().text()).isEqualTo("Mia has 8 books. She sells 2. Then she buys 8 more. How many "
                + "books does Mia have now?");
    }

    @Test
    void oneItemIsSingular() {
        Problem problem = new Problem("Ann has 1 pen. She ends up with 3 times as many. How many pens does Ann have "
                + "now?", "Ann", "pen", "pens", 1, List.of(new ArithmeticStep(Operation.MULTIPLY, 3)));
        assertThat(problem.referenceSolution()).isEqualTo("Ann has 1 pen.\n1 * 3 = 3.\nThe answer is: 3");
    }

    @Test
    void generatedProblemsReadAsPlainWordProblems() {
        ProblemGenerator generator = new ProblemGenerator(ProblemConfig.defaults(), 7);
        for (int i = 0; i < 50; i++) {
            Problem problem = generator.next();
            assertThat(problem.text()).matches("[A-Z][a-z]+ has \\d+ [a-z]+\\. .*How many [a-z]+ does [A-Z][a-z]+ "
                    + "have now\\?");
            assertThat(problem.referenceSolution()).startsWith(problem.subject() + " has " + problem.start() + " ")
                    .endsWith("The answer is: " + problem.answer());
        }
    }

    @Test
    void canonicalTextIgnoresCaseAndWhiteSpace() {
        Problem a = new Problem("Tom has 3 apples.  He buys 4 more.", "Tom", "apple", "apples", 3,
                List.of(new ArithmeticStep(Operation.ADD, 4)));
        Problem b = new Problem(" tom has 3 APPLES.\nHe buys 4 more. ", "Tom", "apple", "apples", 3,
                List.of(new ArithmeticStep(Operation.ADD, 4)));
        assertThat(a.canonicalText()).isEqualTo(b.canonicalText()).isEqualTo("tom has 3 apples. he buys 4 more.");
    }

    @Test
    void problemsWithoutStepsOrWithNegativeStartAreRejected() {
        assertThatThrownBy(() -> new Problem("T", "Tom", "apple", "apples", 3, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps must hold at least one step");
        assertThatThrownBy(() -> new Problem("T", "Tom", "apple", "apples", -1,
                List.of(new ArithmeticStep(Operation.ADD, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("start must be >= 0, got -1");
        assertThatThrownBy(() -> new Problem("T", " ", "apple", "apples", 1,
                List.of(new ArithmeticStep(Operation.ADD, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("subject must not be blank, got \" \"");
    }

    @Test
    void aConfigWithTooFewDistinctProblemsFailsNamingTheCounts() {
        ProblemConfig tiny = ProblemConfig.defaults().withSteps(1, 1).withOperands(1, 1)
                .withOperations(EnumSet.of(Operation.ADD));
        // 6 names x 6 objects x 3 verbs, one start and one operand: 108 texts at most.
        assertThatThrownBy(() -> ProblemGenerator.splits(tiny, 1, 200, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config has too few distinct problems: found 108 new of 200 wanted");
    }

    @Test
    void aConfigThatAdmitsNoProblemFailsClearly() {
        ProblemConfig impossible = new ProblemConfig(2, 2, 10, 10, 2, 2, 10, EnumSet.of(Operation.MULTIPLY));
        assertThatThrownBy(() -> new ProblemGenerator(impossible, 1).next())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config admits no problem of 2 steps within maxValue=10");
    }

    @Test
    void negativeSplitSizesAreRejected() {
        assertThatThrownBy(() -> ProblemGenerator.splits(ProblemConfig.defaults(), 1, 1, -1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("validation must be >= 0, got -1");
    }

    @Test
    void splitsRejectASharedProblem() {
        List<Problem> some = new ProblemGenerator(ProblemConfig.defaults(), 3).distinct(3);
        assertThatThrownBy(() -> new TaskSplits(some, List.of(), List.of(some.get(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("splits must share no problem, but test[0] repeats train[1]");
    }
}
