package dev.allo.examples.task;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The difficulty knobs of the arithmetic word-problem task.
 *
 * <p>A problem starts from a count drawn uniformly from {@code [minOperand, maxOperand]} and applies a number of
 * steps drawn uniformly from {@code [minSteps, maxSteps]}. Each step draws an operation uniformly among the allowed
 * {@code operations} that keep the running total in {@code [0, maxValue]}, then its operand uniformly among the
 * values that do: {@link Operation#ADD} and {@link Operation#SUBTRACT} take operands from {@code [minOperand,
 * maxOperand]}, {@link Operation#MULTIPLY} from {@code [minMultiplier, maxMultiplier]}.
 *
 * <p>Defaults ({@link #defaults()}): 1 to 3 steps, operands 1 to 9, multipliers 2 to 3, values at most 99, all three
 * operations. Problems then run from about 60 to 165 characters and solutions from about 40 to 75; five steps
 * reach about 245 and 100.
 *
 * @param minSteps the fewest steps, in [1, {@value #MAX_STEPS}]
 * @param maxSteps the most steps, in [minSteps, {@value #MAX_STEPS}]
 * @param minOperand the smallest start count and add/subtract operand, at least 1
 * @param maxOperand the largest start count and add/subtract operand, in [minOperand, maxValue]
 * @param minMultiplier the smallest multiplier, at least 2
 * @param maxMultiplier the largest multiplier, at least minMultiplier
 * @param maxValue the largest running total any step may reach, at most {@value #MAX_VALUE}
 * @param operations the allowed operations, non-empty
 */
public record ProblemConfig(
        int minSteps,
        int maxSteps,
        long minOperand,
        long maxOperand,
        long minMultiplier,
        long maxMultiplier,
        long maxValue,
        Set<Operation> operations) {

    /** The most steps a problem may have: five keep a problem under 250 characters, for a tiny byte-level model. */
    public static final int MAX_STEPS = 5;

    /** The largest running total a config may allow. */
    public static final long MAX_VALUE = 1_000_000L;

    /** Validates the knobs and copies {@code operations}. */
    public ProblemConfig {
        if (minSteps < 1 || minSteps > MAX_STEPS) {
            throw new IllegalArgumentException("minSteps must be in [1, " + MAX_STEPS + "], got " + minSteps);
        }
        if (maxSteps < minSteps || maxSteps > MAX_STEPS) {
            throw new IllegalArgumentException(
                    "maxSteps must be in [minSteps=" + minSteps + ", " + MAX_STEPS + "], got " + maxSteps);
        }
        if (maxValue < 1 || maxValue > MAX_VALUE) {
            throw new IllegalArgumentException("maxValue must be in [1, " + MAX_VALUE + "], got " + maxValue);
        }
        if (minOperand < 1) {
            throw new IllegalArgumentException("minOperand must be >= 1, got " + minOperand);
        }
        if (maxOperand < minOperand || maxOperand > maxValue) {
            throw new IllegalArgumentException("maxOperand must be in [minOperand=" + minOperand + ", maxValue="
                    + maxValue + "], got " + maxOperand);
        }
        if (minMultiplier < 2) {
            throw new IllegalArgumentException("minMultiplier must be >= 2, got " + minMultiplier);
        }
        if (maxMultiplier < minMultiplier || maxMultiplier > MAX_VALUE) {
            throw new IllegalArgumentException("maxMultiplier must be in [minMultiplier=" + minMultiplier + ", "
                    + MAX_VALUE + "], got " + maxMultiplier);
        }
        Objects.requireNonNull(operations, "operations");
        if (operations.isEmpty()) {
            throw new IllegalArgumentException("operations must name at least one operation, got []");
        }
        for (Operation operation : operations) {
            if (operation == null) {
                throw new IllegalArgumentException("operations must not contain null, got " + operations);
            }
        }
        operations = Collections.unmodifiableSet(EnumSet.copyOf(operations));
    }

    /**
     * The default task: 1 to 3 steps, operands 1 to 9, multipliers 2 to 3, values at most 99, all operations.
     *
     * @return the default config
     */
    public static ProblemConfig defaults() {
        return new ProblemConfig(1, 3, 1, 9, 2, 3, 99, EnumSet.allOf(Operation.class));
    }

    /**
     * This config with another step range.
     *
     * @param min the fewest steps
     * @param max the most steps
     * @return the new config
     */
    public ProblemConfig withSteps(int min, int max) {
        return new ProblemConfig(min, max, minOperand, maxOperand, minMultiplier, maxMultiplier, maxValue, operations);
    }

    /**
     * This config with another start-count and add/subtract operand range.
     *
     * @param min the smallest operand
     * @param max the largest operand
     * @return the new config
     */
    public ProblemConfig withOperands(long min, long max) {
        return new ProblemConfig(minSteps, maxSteps, min, max, minMultiplier, maxMultiplier, maxValue, operations);
    }

    /**
     * This config with another multiplier range.
     *
     * @param min the smallest multiplier
     * @param max the largest multiplier
     * @return the new config
     */
    public ProblemConfig withMultipliers(long min, long max) {
        return new ProblemConfig(minSteps, maxSteps, minOperand, maxOperand, min, max, maxValue, operations);
    }

    /**
     * This config with another bound on the running total.
     *
     * @param max the largest running total
     * @return the new config
     */
    public ProblemConfig withMaxValue(long max) {
        return new ProblemConfig(minSteps, maxSteps, minOperand, maxOperand, minMultiplier, maxMultiplier, max,
                operations);
    }

    /**
     * This config with other allowed operations.
     *
     * @param allowed the allowed operations, non-empty
     * @return the new config
     */
    public ProblemConfig withOperations(Set<Operation> allowed) {
        return new ProblemConfig(minSteps, maxSteps, minOperand, maxOperand, minMultiplier, maxMultiplier, maxValue,
                allowed);
    }
}
