package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * Draws arithmetic word problems from a {@link ProblemConfig}, deterministically from a seed.
 *
 * <p>The vocabulary is deliberately small (six names, six objects, three phrases for adding, three for
 * subtracting, one for multiplying) so that a tiny byte-level model can learn the task. A problem reads
 *
 * <pre>
 * Tom has 3 apples. He buys 4 more. Then he gives away 2. How many apples does Tom have now?
 * </pre>
 *
 * <p>Determinism: the same config and seed give the same sequence of problems ({@link java.util.Random} is specified
 * bit for bit, so also across JVMs).
 */
public final class ProblemGenerator {
    private static final String[][] PEOPLE = {
        {"Tom", "he"}, {"Sam", "he"}, {"Ben", "he"}, {"Ann", "she"}, {"Mia", "she"}, {"Eva", "she"}
    };
    private static final String[][] OBJECTS = {
        {"apple", "apples"}, {"pen", "pens"}, {"card", "cards"}, {"coin", "coins"}, {"book", "books"},
        {"shell", "shells"}
    };
    private static final String[] ADD_PHRASES = {"buys %d more", "finds %d more", "gets %d more"};
    private static final String[] SUBTRACT_PHRASES = {"gives away %d", "loses %d", "sells %d"};
    private static final String MULTIPLY_PHRASE = "ends up with %d times as many";

    /** Restarts of one problem before the config is declared unable to produce it. */
    private static final int MAX_RESTARTS = 1_000;

    private final ProblemConfig config;
    private final Random random;

    /**
     * Creates a generator.
     *
     * @param config the difficulty knobs
     * @param seed the seed; equal seeds give equal problem sequences
     */
    public ProblemGenerator(ProblemConfig config, long seed) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = new Random(seed);
    }

    /**
     * Draws the next problem (duplicates of earlier ones are possible; see {@link #distinct(int)}).
     *
     * @return the problem
     * @throws IllegalArgumentException if the config admits no problem (e.g. only {@link Operation#MULTIPLY} with a
     *     bound it overflows at once)
     */
    public Problem next() {
        String[] person = PEOPLE[random.nextInt(PEOPLE.length)];
        String[] object = OBJECTS[random.nextInt(OBJECTS.length)];
        int stepCount = config.minSteps() + random.nextInt(config.maxSteps() - config.minSteps() + 1);
        for (int attempt = 0; attempt < MAX_RESTARTS; attempt++) {
            long start = uniform(config.minOperand(), config.maxOperand());
            List<ArithmeticStep> steps = drawSteps(start, stepCount);
            if (steps != null) {
                return new Problem(text(person, object, start, steps), person[0], object[0], object[1], start, steps);
            }
        }
        throw new IllegalArgumentException("config admits no problem of " + stepCount + " steps within maxValue="
                + config.maxValue() + " after " + MAX_RESTARTS + " tries: " + config);
    }

    /**
     * Draws problems until {@code count} distinct ones (by {@link Problem#canonicalText()}) have been seen, in order
     * of first appearance.
     *
     * @param count how many, non-negative
     * @return the distinct problems
     * @throws IllegalArgumentException if the config has too few distinct problems
     */
    public List<Problem> distinct(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        return drawDistinct(count, new LinkedHashSet<>());
    }

    /**
     * Builds train, validation and test splits that share no problem, deterministically from the seed. Problems are
     * drawn in one sequence, deduplicated by {@link Problem#canonicalText()}, and dealt out test first, then
     * validation, then train, so a larger training set never changes the test or validation set.
     *
     * @param config the difficulty knobs
     * @param seed the seed
     * @param train the training-set size, non-negative
     * @param validation the validation-set size, non-negative
     * @param test the test-set size, non-negative
     * @return the splits
     * @throws IllegalArgumentException if a size is negative or the config has too few distinct problems
     */
    public static TaskSplits splits(ProblemConfig config, long seed, int train, int validation, int test) {
        requireSize(train, "train");
        requireSize(validation, "validation");
        requireSize(test, "test");
        ProblemGenerator generator = new ProblemGenerator(config, seed);
        Set<String> seen = new LinkedHashSet<>();
        List<Problem> testSet = generator.drawDistinct(test, seen);
        List<Problem> validationSet = generator.drawDistinct(validation, seen);
        List<Problem> trainSet = generator.drawDistinct(train, seen);
        return new TaskSplits(trainSet, validationSet, testSet);
    }

    private static void requireSize(int size, String name) {
        if (size < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + size);
        }
    }

    /** Draws {@code count} problems whose canonical text is not yet in {@code seen}, adding theirs. */
    private List<Problem> drawDistinct(int count, Set<String> seen) {
        List<Problem> out = new ArrayList<>(count);
        long budget = 20L * count + 1_000;
        for (long draws = 0; out.size() < count; draws++) {
            if (draws == budget) {
                throw new IllegalArgumentException("config has too few distinct problems: found " + out.size()
                        + " new of " + count + " wanted after " + budget + " draws (" + seen.size()
                        + " distinct in all); widen the steps, operands or operations of " + config);
            }
            Problem problem = next();
            if (seen.add(problem.canonicalText())) {
                out.add(problem);
            }
        }
        return out;
    }

    /**
     * Draws {@code count} steps from {@code start}, or returns null when the running total reaches a state no allowed
     * operation can leave within {@code [0, maxValue]}.
     */
    private List<ArithmeticStep> drawSteps(long start, int count) {
        List<ArithmeticStep> steps = new ArrayList<>(count);
        long total = start;
        for (int i = 0; i < count; i++) {
            List<Operation> feasible = new ArrayList<>(3);
            for (Operation operation : Operation.values()) {
                if (config.operations().contains(operation) && maxOperand(operation, total) >= minOperand(operation)) {
                    feasible.add(operation);
                }
            }
            if (feasible.isEmpty()) {
                return null;
            }
            Operation operation = feasible.get(random.nextInt(feasible.size()));
            long operand = uniform(minOperand(operation), maxOperand(operation, total));
            steps.add(new ArithmeticStep(operation, operand));
            total = operation.apply(total, operand);
        }
        return steps;
    }

    private long minOperand(Operation operation) {
        return operation == Operation.MULTIPLY ? config.minMultiplier() : config.minOperand();
    }

    /** The largest operand that keeps {@code total op operand} in {@code [0, maxValue]}. */
    private long maxOperand(Operation operation, long total) {
        return switch (operation) {
            case ADD -> Math.min(config.maxOperand(), config.maxValue() - total);
            case SUBTRACT -> Math.min(config.maxOperand(), total);
            case MULTIPLY -> total == 0 ? config.maxMultiplier()
                    : Math.min(config.maxMultiplier(), config.maxValue() / total);
        };
    }

    /** Uniform in {@code [min, max]}; spans fit an int because values are bounded by {@link ProblemConfig#MAX_VALUE}. */
    private long uniform(long min, long max) {
        return min + random.nextInt(Math.toIntExact(max - min + 1));
    }

    private String text(String[] person, String[] object, long start, List<ArithmeticStep> steps) {
        String pronoun = person[1];
        StringBuilder out = new StringBuilder()
                .append(person[0]).append(" has ").append(start).append(' ')
                .append(start == 1 ? object[0] : object[1]).append('.');
        for (int i = 0; i < steps.size(); i++) {
            ArithmeticStep step = steps.get(i);
            String phrase = String.format(Locale.ROOT, phrase(step.operation()), step.operand());
            out.append(' ').append(i == 0 ? capitalize(pronoun) : "Then " + pronoun).append(' ').append(phrase)
                    .append('.');
        }
        return out.append(" How many ").append(object[1]).append(" does ").append(person[0]).append(" have now?")
                .toString();
    }

    private String phrase(Operation operation) {
        return switch (operation) {
            case ADD -> ADD_PHRASES[random.nextInt(ADD_PHRASES.length)];
            case SUBTRACT -> SUBTRACT_PHRASES[random.nextInt(SUBTRACT_PHRASES.length)];
            case MULTIPLY -> MULTIPLY_PHRASE;
        };
    }

    private static String capitalize(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
