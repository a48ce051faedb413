package dev.allo.data;

import java.util.Objects;

/**
 * A batch of {@code B} preference pairs: the chosen and the rejected sequences, both padded to the same length
 * {@code T} and on the same device.
 *
 * @param chosen the chosen sequences, {@code prompt ++ y+}
 * @param rejected the rejected sequences, {@code prompt ++ y-}
 * @param indices the source index of each row's pair, in row order (for logging, caches and per-pair lookups)
 * @param paddingSide where the padding sits
 */
public record PreferenceBatch(SequenceBatch chosen, SequenceBatch rejected, long[] indices, PaddingSide paddingSide)
        implements AutoCloseable {

    /** Copies the indices. */
    public PreferenceBatch {
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        indices = indices.clone();
        Objects.requireNonNull(paddingSide, "paddingSide");
    }

    /**
     * The source index of each row's pair, in row order.
     *
     * @return a copy of the indices, one per row
     */
    @Override
    public long[] indices() {
        return indices.clone();
    }

    /**
     * The number of pairs, {@code B}.
     *
     * @return the batch size
     */
    public int size() {
        return indices.length;
    }

    /** Closes every array of the batch. */
    @Override
    public void close() {
        chosen.close();
        rejected.close();
    }
}
