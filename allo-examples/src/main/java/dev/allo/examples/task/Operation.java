package dev.allo.examples.task;

/** One arithmetic operation of a word problem, with the symbol its solution line writes. */
public enum Operation {
    /** {@code a + b}: the subject gets more. */
    ADD("+"),
    /** {@code a - b}: the subject gives some away. */
    SUBTRACT("-"),
    /** {@code a * b}: the subject ends up with b times as many. */
    MULTIPLY("*");

    private final String symbol;

    Operation(String symbol) {
        this.symbol = symbol;
    }

    /**
     * The symbol a solution line writes for this operation.
     *
     * @return {@code "+"}, {@code "-"} or {@code "*"}
     */
    public String symbol() {
        return symbol;
    }

    /**
     * Applies the operation.
     *
     * @param left the left operand
     * @param right the right operand
     * @return {@code left op right}
     * @throws ArithmeticException if the result overflows a {@code long}
     */
    public long apply(long left, long right) {
        return switch (this) {
            case ADD -> Math.addExact(left, right);
            case SUBTRACT -> Math.subtractExact(left, right);
            case MULTIPLY -> Math.multiplyExact(left, right);
        };
    }

    /**
     * The operation a written symbol stands for: {@code +}, {@code -} (also the Unicode minus), {@code *}, {@code x}
     * or {@code ×}.
     *
     * @param symbol the written symbol
     * @return the operation, or {@code null} when the symbol is none of these (e.g. {@code /})
     */
    static Operation fromSymbol(String symbol) {
        return switch (symbol) {
            case "+" -> ADD;
            case "-", "\u2212" -> SUBTRACT;
            case "*", "x", "\u00d7" -> MULTIPLY;
            default -> null;
        };
    }
}
