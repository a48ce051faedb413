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
 * value stays non-negative and the final answer differs from the truth.
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
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(mistake, "mistake");
        List<String> phrases = stepPhrases(problem);
        List<Equation> out = new ArrayList<>();
        long total = problem.start();
        boolean triggered = false;
        for (int i = 0; i < problem.steps().size(); i++) {
            ArithmeticStep step = problem.steps().get(i);
            Operation op = step.operation();
            long operand = step.operand();
            long result = op.apply(total, operand);
            switch (mistake) {
                case PHRASE_OPERATION -> {
                    if (phrases.get(i).startsWith("loses ")) {
                        op = Operation.ADD;
                        result = total + operand;
                        triggered = true;
                    }
                }
                case DROPPED_CARRY -> {
                    if (op == Operation.ADD && total % 10 + operand % 10 >= 10) {
                        result = total + operand - 10;
                        triggered = true;
                    }
                }
                case REUSED_QUANTITY -> {
                    if (i > 0 && phrases.get(i).startsWith("finds ") && operand != problem.start()) {
                        operand = problem.start();
                        result = op.apply(total, operand);
                        triggered = true;
                    }
                }
            }
            if (result < 0) {
                return Optional.empty();
            }
            out.add(new Equation(total, op, operand, result));
            total = result;
        }
        return triggered && total != problem.answer() ? Optional.of(List.copyOf(out)) : Optional.empty();
    }

    /**
     * The solution with the mistake, in the task's format.
     *
     * @param problem the problem
     * @param mistake the class
     * @return the solution, or empty when the class does not apply
     */
    public static Optional<String> solution(Problem problem, SystematicMistake mistake) {
        return equations(problem, mistake).map(e -> SolutionWriter.write(problem, e));
    }

    /**
     * The final answer the mistake leads to.
     *
     * @param problem the problem
     * @param mistake the class
     * @return the wrong answer, or empty when the class does not apply
     */
    public static Optional<Long> wrongAnswer(Problem problem, SystematicMistake mistake) {
        return equations(problem, mistake).map(e -> e.get(e.size() - 1).result());
    }

    /**
     * Which class a response's final answer reveals: the first applicable class whose wrong answer it states.
     *
     * @param problem the problem
     * @param response the model's response
     * @return the class, or empty when the response is right, has no answer, or is wrong in another way
     */
    public static Optional<SystematicMistake> classify(Problem problem, String response) {
        Optional<BigDecimal> answer = AnswerChecker.extract(response);
        if (answer.isEmpty() || answer.get().compareTo(BigDecimal.valueOf(problem.answer())) == 0) {
            return Optional.empty();
        }
        for (SystematicMistake m : SystematicMistake.values()) {
            Optional<Long> wrong = wrongAnswer(problem, m);
            if (wrong.isPresent() && answer.get().compareTo(BigDecimal.valueOf(wrong.get())) == 0) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
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
