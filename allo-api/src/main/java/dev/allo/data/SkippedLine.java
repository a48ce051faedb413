package dev.allo.data;

import java.util.Objects;
import java.util.Optional;

/**
 * A line a reader skipped because it was malformed (only when skipping is switched on).
 *
 * @param line the 1-based line number
 * @param field the offending field, or empty when the whole line is at fault
 * @param reason what was expected and what was found
 */
public record SkippedLine(long line, Optional<String> field, String reason) {

    /**
     * Validates the record.
     *
     * @throws IllegalArgumentException if the line number is below 1
     */
    public SkippedLine {
        if (line < 1) {
            throw new IllegalArgumentException("line must be >= 1, got " + line);
        }
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return "line " + line + field.map(f -> " field '" + f + "'").orElse("") + ": " + reason;
    }
}
