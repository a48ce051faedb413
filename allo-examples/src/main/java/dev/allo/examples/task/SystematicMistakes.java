package dev.allo.examples.task;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Writes the solutions of the systematic-mistakes task: the solution a model that has learnt one
 * {@link SystematicMistake} would write, and which mistake classes a problem triggers.
 *
 * <p>A class is applied at every step whose trigger fires (on the running total as written, so a slip propagates
 * as it would for a model); a class <em>applies</em> to a problem when at least one step triggers it, every written
 * value stays non-negative and the final answer differs from the truth. Several classes can be applied together,
 * as a model that has learnt all of them would write.
 */
public final class SystematicMistakes {
    private SystematicMistakes() {}

    /**
     * The classes that apply to a problem, in declaration order.
     *
     * @param problem the problem
     * @return the applicable classes, possibly empty
     */
    public static Set<SystematicMistake> applicable(Problem problem) {
        Set<SystematicMistake> out = EnumSet.noneOf(SystematicMistake.class);
        for (SystematicMistake m : SystematicMistake.values()) {
            if (equations(problem, m).isPresent()) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * The written lines with the mistake applied at every triggered step.
     *
     * @param problem the problem
     * @param mistake the class
     * @return the lines, or empty when the class does not apply to the problem
     */
    public static Optional<List<Equation>> equations(Problem problem, SystematicMistake mistake) {
        Objects.requireNonNull(mistake, "mistake");
        return equations(problem, EnumSet.of(mistake));
    }

    /**
     * The written lines with several classes applied, each at every step that triggers it (within a step: the
     * phrase's operation, then the reused quantity, then the dropped carry of the resulting addition).
     *
     * @param problem the problem
     * @param mistakes the classes, not empty
     * @return the lines, or empty unless every class triggers at least once, every value stays non-negative and the
     *     answer changes
     */
    public static Optional<List<Equation>> equations(Problem problem, Set<SystematicMistake> mistakes) {
        Objects.requireNonNull(problem, "problem");
        if (mistakes == null || mistakes.isEmpty()) {
            throw new IllegalArgumentException("mistakes must name at least one class, got " + mistakes);
        }
        List<String> phrases = stepPhrases(problem);
        List<Equation> out = new ArrayList<>();
        Set<SystematicMistake> triggered = EnumSet.noneOf(SystematicMistake.class);
        long total = problem.start();
        for (int i = 0; i < problem.steps().size(); i++) {
            ArithmeticStep step = problem.steps().get(i);
            Operation op = step.operation();
            long operand = step.operand();
            if (mistakes.contains(SystematicMistake.PHRASE_OPERATION) && phrases.get(i).startsWith("loses ")) {
                op = Operation.ADD;
                triggered.add(SystematicMistake.PHRASE_OPERATION);
            }
            if (mistakes.contains(SystematicMistake.REUSED_QUANTITY) && i > 0 && phrases.get(i).startsWith("finds ")
                    && operand != problem.start()) {
                operand = problem.start();
                triggered.add(SystematicMistake.REUSED_QUANTITY);
            }
            long result = op.apply(total, operand);
            if (mistakes.contains(SystematicMistake.DROPPED_CARRY) && op == Operation.ADD
                    && total % 10 + operand % 10 >= 10) {
                result -= 10;
                triggered.add(SystematicMistake.DROPPED_CARRY);
            }
            if (result < 0) {
                return Optional.empty();
            }
            out.add(new Equation(total, op, operand, result));
            total = result;
        }
        return triggered.equals(mistakes) && total != problem.answer() ? Optional.of(List.copyOf(out))
                : Optional.empty();
    }

    /**
     * The solution with the mistake, in the task's format.
     *
     * @param problem the problem
     * @param mistake the class
     * @return the solution, or empty when the class does not apply
     */
    public static Optional<String> solution(Problem problem, SystematicMistake mistake) {
        return solution(problem, EnumSet.of(mistake));
    }

    /**
     * The solution with several classes applied ({@link #equations(Problem, Set)}), in the task's format.
     *
     * @param problem the problem
     * @param mistakes the classes
     * @return the solution, or empty when they do not apply together
     */
    public static Optional<String> solution(Problem problem, Set<SystematicMistake> mistakes) {
        return equations(problem, mistakes).map(e -> SolutionWriter.write(problem, e));
    }

    /**
     * The final answer the mistake leads to.
     *
     * @param problem the problem
     * @param mistake the class
     * @return the wrong answer, or empty when the class does not apply
     */
    public static Optional<Long> wrongAnswer(Problem problem, SystematicMistake mistake) {
        return wrongAnswer(problem, EnumSet.of(mistake));
    }

    /**
     * The final answer several classes lead to together.
     *
     * @param problem the problem
     * @param mistakes the classes
     * @return the wrong answer, or empty when they do not apply together
     */
    public static Optional<Long> wrongAnswer(Problem problem, Set<SystematicMistake> mistakes) {
        return equations(problem, mistakes).map(e -> e.get(e.size() - 1).result());
    }

    /**
     * Which classes a response's final answer reveals: the smallest set of classes (by size, then in declaration
     * order) that applies to the problem and leads to the stated answer.
     *
     * @param problem the problem
     * @param response the model's response
     * @return the classes, or empty when the response is right, has no answer, or is wrong in another way
     */
    public static Optional<Set<SystematicMistake>> classify(Problem problem, String response) {
        Optional<BigDecimal> answer = AnswerChecker.extract(response);
        if (answer.isEmpty() || answer.get().compareTo(BigDecimal.valueOf(problem.answer())) == 0) {
            return Optional.empty();
        }
        for (Set<SystematicMistake> classes : subsets(applicable(problem))) {
            Optional<Long> wrong = wrongAnswer(problem, classes);
            if (wrong.isPresent() && answer.get().compareTo(BigDecimal.valueOf(wrong.get())) == 0) {
                return Optional.of(classes);
            }
        }
        return Optional.empty();
    }

    /** The non-empty subsets of a set, by size, then in declaration order. */
    static List<Set<SystematicMistake>> subsets(Set<SystematicMistake> of) {
        List<SystematicMistake> items = List.copyOf(of);
        List<Set<SystematicMistake>> out = new ArrayList<>();
        for (int size = 1; size <= items.size(); size++) {
            for (int mask = 1; mask < 1 << items.size(); mask++) {
                if (Integer.bitCount(mask) == size) {
                    Set<SystematicMistake> s = EnumSet.noneOf(SystematicMistake.class);
                    for (int i = 0; i < items.size(); i++) {
                        if ((mask >> i & 1) == 1) {
                            s.add(items.get(i));
                        }
                    }
                    out.add(s);
                }
            }
        }
        return out;
    }

    /**
     * The phrase of each step, read from the problem's text ("buys 4 more", "loses 2", ...): sentence {@code i + 1}
     * describes step {@code i}.
     */
    static List<String> stepPhrases(Problem problem) {
        String[] sentences = problem.text().split("\\. ");
        if (sentences.length < problem.steps().size() + 2) {
            throw new IllegalArgumentException("problem text has " + sentences.length + " sentences, expected "
                    + (problem.steps().size() + 2) + ": " + problem.text());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < problem.steps().size(); i++) {
            String s = sentences[i + 1]; // "He buys 4 more" or "Then he loses 2"
            out.add(s.startsWith("Then ") ? s.split(" ", 3)[2] : s.substring(s.indexOf(' ') + 1));
        }
        return out;
    }
}
