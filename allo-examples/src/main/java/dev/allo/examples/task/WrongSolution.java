package dev.allo.examples.task;

import java.util.List;
import java.util.Objects;

/**
 * A plausibly wrong solution made by {@link WrongSolutionGenerator}.
 *
 * @param text the solution in the task's format, with a wrong final answer
 * @param mistake the mistake made
 * @param step the index (0-based) of the true step the mistake was made in (for {@link Mistake#DROPPED_STEP}, the
 *     step left out)
 * @param equations the lines as written, mistake included
 */
public record WrongSolution(String text, Mistake mistake, int step, List<Equation> equations) {
    /** Validates and copies. */
    public WrongSolution {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(mistake, "mistake");
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        equations = List.copyOf(equations);
    }
}
