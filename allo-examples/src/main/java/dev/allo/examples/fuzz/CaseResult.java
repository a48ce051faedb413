package dev.allo.examples.fuzz;

/**
 * The end of one fuzz case.
 *
 * @param target the target's name
 * @param index the case's index within the target
 * @param outcome how it ended
 * @param error the exception's class and message, or {@code null} when the file loaded or the case hung
 * @param where the first stack frames of the exception, or {@code null}
 * @param mutation how the file was made from the seed
 */
public record CaseResult(String target, int index, Outcome outcome, String error, String where, String mutation) {}
