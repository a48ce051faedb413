package dev.allo.examples.task;

import java.util.Objects;

/**
 * One written solution line {@code left op right = result}. It records what was written, right or wrong: {@code
 * result} need not equal {@code left op right}.
 *
 * @param left the left operand as written
 * @param operation the operation as written
 * @param right the right operand as written
 * @param result the result as written
 */
public record Equation(long left, Operation operation, long right, long result) {
    /** Validates the equation. */
    public Equation {
        Objects.requireNonNull(operation, "operation");
    }

    /**
     * The line as a solution writes it, without the final period.
     *
     * @return e.g. {@code "3 + 4 = 7"}
     */
    public String format() {
        return left + " " + operation.symbol() + " " + right + " = " + result;
    }
}
