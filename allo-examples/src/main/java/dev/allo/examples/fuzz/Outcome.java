package dev.allo.examples.fuzz;

/** How one fuzz case ended. */
public enum Outcome {
    /** The file loaded. */
    OK,
    /** A clean error: {@code IllegalArgumentException} or {@code AlloException} whose message names the file. */
    CLEAN_ERROR,
    /** A clean exception type whose message does not name the file. */
    UNNAMED_ERROR,
    /** Any other exception or error (a {@code NullPointerException}, an {@code ArithmeticException}, ...). */
    UNEXPECTED,
    /** {@code OutOfMemoryError}. */
    OUT_OF_MEMORY,
    /** No answer within the time limit. */
    HANG,
    /** The JVM died during the case (a native library aborted it); seen only when cases run in a child JVM. */
    JVM_CRASH;

    /**
     * Whether this outcome is a robustness failure.
     *
     * @return true for everything but {@link #OK} and {@link #CLEAN_ERROR}
     */
    public boolean isFailure() {
        return this != OK && this != CLEAN_ERROR;
    }
}
