package dev.allo.examples.ila;

import dev.allo.data.PreferenceExample;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.ProblemConfig;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.examples.task.PromptStyle;
import dev.allo.examples.task.WrongSolutionGenerator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Problems and SFT examples of the arithmetic task. An example's prompt is {@link PromptStyle#COMPACT}'s task prompt
 * ({@code "Q: <problem>\nA: "}), its chosen response the reference solution, and its rejected response a wrong
 * solution from {@link WrongSolutionGenerator} (a pair needs one; SFT reads only the chosen side).
 */
public final class ArithmeticSftData {
    private ArithmeticSftData() {}

    /**
     * Draws {@code count} distinct problems (by canonical text) none of which is in {@code excluded}, in draw order.
     *
     * @param config the task variant
     * @param seed the generator's seed
     * @param count how many, {@code >= 0}
     * @param excluded canonical texts to leave out (e.g. the test set's)
     * @return the problems
     * @throws IllegalArgumentException if the variant has too few problems outside {@code excluded}
     */
    public static List<Problem> drawExcluding(ProblemConfig config, long seed, int count, Set<String> excluded) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        ProblemGenerator generator = new ProblemGenerator(config, seed);
        Set<String> seen = new HashSet<>(excluded);
        List<Problem> out = new ArrayList<>(count);
        long budget = 50L * count + 1_000;
        for (long draws = 0; out.size() < count; draws++) {
            if (draws == budget) {
                throw new IllegalArgumentException("task variant has too few distinct problems outside the "
                        + excluded.size() + " excluded: found " + out.size() + " of " + count + " after " + budget
                        + " draws; widen " + config);
            }
            Problem p = generator.next();
            if (seen.add(p.canonicalText())) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The canonical texts of some problems.
     *
     * @param problems the problems
     * @return their {@link Problem#canonicalText()}s
     */
    public static Set<String> texts(List<Problem> problems) {
        Set<String> out = new HashSet<>();
        problems.forEach(p -> out.add(p.canonicalText()));
        return out;
    }

    /**
     * SFT examples: prompt {@code "Q: <problem>\nA: "}, chosen the reference solution, rejected a wrong solution.
     *
     * @param problems the problems
     * @param seed the wrong-solution generator's seed
     * @return one example per problem, in order
     */
    public static List<PreferenceExample> examples(List<Problem> problems, long seed) {
        WrongSolutionGenerator wrong = new WrongSolutionGenerator(seed);
        List<PreferenceExample> out = new ArrayList<>(problems.size());
        for (Problem p : problems) {
            out.add(PreferenceExample.of(prompt(p), p.referenceSolution(), wrong.next(p).text()));
        }
        return out;
    }

    /**
     * The task prompt of a problem.
     *
     * @param problem the problem
     * @return {@code "Q: <problem>\nA: "}
     */
    public static String prompt(Problem problem) {
        return PromptStyle.COMPACT.taskPrompt(problem.text());
    }
}
