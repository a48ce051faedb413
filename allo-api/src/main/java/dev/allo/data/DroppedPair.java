package dev.allo.data;

import java.util.Objects;
import java.util.Optional;

/**
 * A pair left out of training, with the reason (for example a response truncated to nothing).
 *
 * @param index the pair's 0-based position in its source
 * @param id the pair's id, if it has one
 * @param reason why it was dropped, with the numbers involved
 */
public record DroppedPair(long index, Optional<String> id, String reason) {

    /**
     * Validates the record.
     *
     * @throws IllegalArgumentException if the index is negative
     */
    public DroppedPair {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return "pair " + index + id.map(i -> " (id " + i + ")").orElse("") + ": " + reason;
    }
}
