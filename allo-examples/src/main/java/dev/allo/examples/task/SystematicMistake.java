package dev.allo.examples.task;

/**
 * The named mistake classes of the systematic-mistakes task ({@link SystematicMistakes}). Each one has a trigger in
 * the problem, so that a model trained on demonstrations that make it most of the time on triggered problems makes
 * it under greedy decoding too; every later step is then computed correctly from the wrong running total.
 */
public enum SystematicMistake {
    /** The phrase {@code loses N} is read as an addition: {@code a + N} instead of {@code a - N}. */
    PHRASE_OPERATION,
    /**
     * An addition whose units digits sum to 10 or more is written without the carry: {@code 7 + 5 = 2},
     * {@code 17 + 5 = 12}.
     */
    DROPPED_CARRY,
    /**
     * A {@code finds N more} step after the first reuses the start count as its operand: for "Tom has 3 apples. He
     * buys 4 more. Then he finds 2 more." the second line reads {@code 7 + 3 = 10}.
     */
    REUSED_QUANTITY
}
