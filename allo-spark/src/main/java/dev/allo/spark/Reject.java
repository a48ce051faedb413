package dev.allo.spark;

import java.io.Serializable;

/**
 * An input row a job could not use, written to the job's {@code rejects} output.
 *
 * @param line the 1-based line of a JSONL input, or the 1-based row position of a Parquet input; for a pair the
 *     pipeline's truncation drops, its index + 1
 * @param input the row as read (a JSONL line, or the Parquet row's text), cut to 1,000 characters
 * @param reason why it was rejected, naming the field or column
 */
public record Reject(long line, String input, String reason) implements Serializable {
    private static final int MAX_INPUT = 1_000;

    /**
     * A reject with its input cut to 1,000 characters.
     *
     * @param line the 1-based line or row
     * @param input the row as read
     * @param reason why it was rejected
     * @return the reject
     */
    public static Reject of(long line, String input, String reason) {
        String cut = input == null ? "" : input.length() <= MAX_INPUT ? input : input.substring(0, MAX_INPUT) + "...";
        return new Reject(line, cut, reason);
    }
}
