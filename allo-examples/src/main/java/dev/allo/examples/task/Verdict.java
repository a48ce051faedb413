package dev.allo.examples.task;

/** How a response's final answer compares with the truth (see {@link AnswerChecker}). */
public enum Verdict {
    /** The number after the last "The answer is" equals the truth. */
    CORRECT,
    /** The number after the last "The answer is" differs from the truth. */
    WRONG,
    /** No "The answer is", or no number right after the last one. */
    NO_ANSWER
}
