package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One word problem with its true computation: start from {@code start} and apply each step in order.
 *
 * <p>The reference solution (Table 6's "ground-truth reference") writes one line per step in the GSM8k style of the
 * paper's math scenario:
 *
 * <pre>
 * Tom has 3 apples.
 * 3 + 4 = 7.
 * 7 - 2 = 5.
 * The answer is: 5
 * </pre>
 *
 * @param text the problem as the model reads it
 * @param subject the person the problem is about, e.g. {@code "Tom"}
 * @param singularObject what is counted, singular, e.g. {@code "apple"}
 * @param pluralObject what is counted, plural, e.g. {@code "apples"}
 * @param start the starting count, non-negative
 * @param steps the true computation, at least one step
 */
public record Problem(
        String text, String subject, String singularObject, String pluralObject, long start, List<ArithmeticStep> steps) {

    /** Validates the problem and copies {@code steps}. */
    public Problem {
        requireText(text, "text");
        requireText(subject, "subject");
        requireText(singularObject, "singularObject");
        requireText(pluralObject, "pluralObject");
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0, got " + start);
        }
        Objects.requireNonNull(steps, "steps");
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("steps must hold at least one step, got [] for problem: " + text);
        }
        steps = List.copyOf(steps);
        long total = start;
        for (ArithmeticStep step : steps) {
            try {
                total = step.operation().apply(total, step.operand());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("steps overflow a long at " + step + " for problem: " + text, e);
            }
        }
    }

    private static void requireText(String value, String field) {
        Objects.requireNonNull(value, field);
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, got \"" + value + "\"");
        }
    }

    /**
     * The true solution lines, one per step: the running total before the step, the step, the running total after.
     *
     * @return the equations, one per step
     */
    public List<Equation> equations() {
        List<Equation> equations = new ArrayList<>(steps.size());
        long total = start;
        for (ArithmeticStep step : steps) {
            long next = step.operation().apply(total, step.operand());
            equations.add(new Equation(total, step.operation(), step.operand(), next));
            total = next;
        }
        return List.copyOf(equations);
    }

    /**
     * The true answer: the running total after the last step.
     *
     * @return the answer
     */
    public long answer() {
        return equations().get(steps.size() - 1).result();
    }

    /**
     * The reference solution in the paper's format (see the class comment).
     *
     * @return the reference solution
     */
    public String referenceSolution() {
        return SolutionWriter.write(this, equations());
    }

    /**
     * The key that decides whether two problems are the same: the text in lower case with runs of white space
     * collapsed to one space and the ends trimmed.
     *
     * @return the canonical text
     */
    public String canonicalText() {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}
