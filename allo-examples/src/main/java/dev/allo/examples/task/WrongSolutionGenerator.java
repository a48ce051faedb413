package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * Makes plausibly wrong solutions in the task's format, for tests and for synthetic preference data when no model is
 * at hand. One {@link Mistake} is made in one step; every later step is then computed correctly from the wrong
 * running total, as a model that slipped once would continue. Every value written stays non-negative, and the final
 * answer always differs from the truth ({@link AnswerChecker} says {@link Verdict#WRONG}).
 *
 * <p>Deterministic: the same seed and the same sequence of calls give the same solutions.
 */
public final class WrongSolutionGenerator {
    private static final long[] SLIPS = {-10, -2, -1, 1, 2, 10};
    private static final long[] OPERAND_SLIPS = {-2, -1, 1, 2};

    private final Random random;

    /**
     * Creates a generator.
     *
     * @param seed the seed
     */
    public WrongSolutionGenerator(long seed) {
        this.random = new Random(seed);
    }

    /**
     * A wrong solution with a mistake of a random kind in a random step. Always succeeds: an arithmetic slip in the
     * last step always changes the answer.
     *
     * @param problem the problem
     * @return the wrong solution
     */
    public WrongSolution next(Problem problem) {
        List<Mistake> kinds = new ArrayList<>(List.of(Mistake.values()));
        Collections.shuffle(kinds, random);
        for (Mistake mistake : kinds) {
            Optional<WrongSolution> wrong = next(problem, mistake);
            if (wrong.isPresent()) {
                return wrong.get();
            }
        }
        throw new IllegalStateException("an arithmetic slip must always succeed; problem: " + problem.text());
    }

    /**
     * A wrong solution with the given kind of mistake in a random step.
     *
     * @param problem the problem
     * @param mistake the kind of mistake
     * @return the wrong solution, or empty when no mistake of that kind changes this problem's answer while keeping
     *     every written value non-negative (e.g. {@link Mistake#DROPPED_STEP} of a step that changes nothing)
     */
    public Optional<WrongSolution> next(Problem problem, Mistake mistake) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(mistake, "mistake");
        List<long[]> candidates = new ArrayList<>(); // {step, variant}
        for (int step = 0; step < problem.steps().size(); step++) {
            for (int variant = 0; variant < variants(mistake); variant++) {
                candidates.add(new long[] {step, variant});
            }
        }
        Collections.shuffle(candidates, random);
        for (long[] candidate : candidates) {
            int step = (int) candidate[0];
            List<Equation> equations = write(problem, mistake, step, (int) candidate[1]);
            if (equations != null) {
                return Optional.of(new WrongSolution(SolutionWriter.write(problem, equations), mistake, step, equations));
            }
        }
        return Optional.empty();
    }

    private static int variants(Mistake mistake) {
        return switch (mistake) {
            case ARITHMETIC_SLIP -> SLIPS.length;
            case WRONG_OPERAND -> OPERAND_SLIPS.length;
            case WRONG_OPERATION -> Operation.values().length - 1;
            case DROPPED_STEP -> 1;
        };
    }

    /**
     * The written lines with the mistake in {@code step}, or null when they would show a negative or overflowing
     * value or reach the true answer anyway.
     */
    private static List<Equation> write(Problem problem, Mistake mistake, int step, int variant) {
        List<Equation> equations = new ArrayList<>();
        long total = problem.start();
        try {
            for (int i = 0; i < problem.steps().size(); i++) {
                ArithmeticStep truth = problem.steps().get(i);
                Operation operation = truth.operation();
                long operand = truth.operand();
                long slip = 0;
                if (i == step) {
                    switch (mistake) {
                        case ARITHMETIC_SLIP -> slip = SLIPS[variant];
                        case WRONG_OPERAND -> operand += OPERAND_SLIPS[variant];
                        case WRONG_OPERATION -> operation = otherOperation(operation, variant);
                        case DROPPED_STEP -> {
                            continue;
                        }
                    }
                }
                long result = Math.addExact(operation.apply(total, operand), slip);
                if (operand < 0 || result < 0) {
                    return null;
                }
                equations.add(new Equation(total, operation, operand, result));
                total = result;
            }
        } catch (ArithmeticException overflow) {
            return null;
        }
        return total == problem.answer() ? null : equations;
    }

    /** The {@code variant}-th operation other than {@code operation}, in declaration order. */
    private static Operation otherOperation(Operation operation, int variant) {
        List<Operation> others = new ArrayList<>(List.of(Operation.values()));
        others.remove(operation);
        return others.get(variant);
    }
}
