package dev.allo.examples.task;

import java.util.List;

/** Writes solutions, right or wrong, in the one format the task uses (see {@link Problem}). */
final class SolutionWriter {
    /** Between the lines of a solution. */
    static final String LINE_BREAK = "\n";

    /** Before the final answer, exactly as the paper's Table 6 asks. */
    static final String ANSWER_PREFIX = "The answer is: ";

    private SolutionWriter() {}

    /**
     * Writes a solution: the introduction restating the start count, one line per equation, the answer line. The
     * answer is the last equation's result, or the start count when there is none.
     */
    static String write(Problem problem, List<Equation> equations) {
        StringBuilder out = new StringBuilder(intro(problem));
        for (Equation equation : equations) {
            out.append(LINE_BREAK).append(line(equation));
        }
        long answer = equations.isEmpty() ? problem.start() : equations.get(equations.size() - 1).result();
        return out.append(LINE_BREAK).append(ANSWER_PREFIX).append(answer).toString();
    }

    /** {@code "Tom has 3 apples."} */
    static String intro(Problem problem) {
        String object = problem.start() == 1 ? problem.singularObject() : problem.pluralObject();
        return problem.subject() + " has " + problem.start() + " " + object + ".";
    }

    /** {@code "3 + 4 = 7."} */
    static String line(Equation equation) {
        return equation.format() + ".";
    }
}
