package dev.allo.examples.task;

import java.util.Objects;

/**
 * One step of a word problem's true computation: apply {@code operation} with {@code operand} to the running total.
 *
 * @param operation the operation
 * @param operand the right operand, non-negative
 */
public record ArithmeticStep(Operation operation, long operand) {
    /** Validates the step. */
    public ArithmeticStep {
        Objects.requireNonNull(operation, "operation");
        if (operand < 0) {
            throw new IllegalArgumentException("operand must be >= 0, got " + operand);
        }
    }
}
