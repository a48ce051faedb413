package dev.allo.examples.ila;

import dev.allo.examples.task.ArithmeticStep;
import dev.allo.examples.task.Operation;
import dev.allo.examples.task.Problem;
import java.util.List;

/**
 * Test accuracy on the task, overall and split by whether a problem has a multiplication (the skill the task adds
 * to the base model, which was pre-trained on additions and subtractions only).
 *
 * @param all the share of all test problems answered correctly
 * @param multiply the share among problems with at least one multiplication (NaN if there are none)
 * @param other the share among problems without one (NaN if there are none)
 */
public record TaskAccuracy(double all, double multiply, double other) {

    /**
     * Splits per-problem results.
     *
     * @param problems the test problems
     * @param correct per problem, whether it was answered correctly
     * @return the accuracies
     * @throws IllegalArgumentException if the lengths differ or there are no problems
     */
    public static TaskAccuracy of(List<Problem> problems, boolean[] correct) {
        if (problems.size() != correct.length || problems.isEmpty()) {
            throw new IllegalArgumentException("need one result per problem and at least one problem, got "
                    + problems.size() + " problems and " + correct.length + " results");
        }
        int all = 0;
        int mult = 0;
        int multCorrect = 0;
        for (int i = 0; i < correct.length; i++) {
            boolean m = hasMultiply(problems.get(i));
            all += correct[i] ? 1 : 0;
            mult += m ? 1 : 0;
            multCorrect += m && correct[i] ? 1 : 0;
        }
        int others = correct.length - mult;
        return new TaskAccuracy(all / (double) correct.length,
                mult == 0 ? Double.NaN : multCorrect / (double) mult,
                others == 0 ? Double.NaN : (all - multCorrect) / (double) others);
    }

    /**
     * Whether a problem has a multiplication step.
     *
     * @param problem the problem
     * @return true if one of its steps multiplies
     */
    public static boolean hasMultiply(Problem problem) {
        for (ArithmeticStep step : problem.steps()) {
            if (step.operation() == Operation.MULTIPLY) {
                return true;
            }
        }
        return false;
    }
}
