package dev.allo.data;

import java.util.Objects;

/**
 * How tokenised pairs become batches and in what order.
 *
 * <p>Padding is dynamic: each batch is padded to its longest sequence (chosen and rejected share one length
 * {@code T}, so they can be run as one {@code 2B} batch), rounded up to a multiple of {@code padToMultipleOf}.
 *
 * <p>Order: with {@code shuffle}, each epoch's order is a permutation drawn from {@code seed} and the epoch number
 * alone, so a run resumed at (epoch, batch) sees exactly the batches it would have seen. With
 * {@code bucketByLength}, the shuffled pairs are cut into windows of {@code batchSize * bucketWindow} pairs, each
 * window is sorted by length (longest first, ties by index) and cut into batches, and the batches are shuffled
 * again, so batches hold pairs of similar length and waste less padding.
 *
 * @param batchSize pairs per batch; at least 1
 * @param paddingSide where padding goes; default {@link PaddingSide#RIGHT}
 * @param padToMultipleOf {@code T} is rounded up to a multiple of this; at least 1 (1 = no rounding)
 * @param shuffle whether to shuffle; default {@code true}
 * @param seed the shuffling seed; default 42
 * @param bucketByLength whether to group pairs of similar length; default {@code false}
 * @param bucketWindow batches per sorting window when bucketing; at least 1; default 50
 * @param dropLast whether to drop the last, smaller batch of an epoch; default {@code false}
 */
public record BatchConfig(
        int batchSize,
        PaddingSide paddingSide,
        int padToMultipleOf,
        boolean shuffle,
        long seed,
        boolean bucketByLength,
        int bucketWindow,
        boolean dropLast) {

    /**
     * Validates the config.
     *
     * @throws IllegalArgumentException naming the field, its constraint and its value
     */
    public BatchConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        Objects.requireNonNull(paddingSide, "paddingSide");
        if (padToMultipleOf < 1) {
            throw new IllegalArgumentException("padToMultipleOf must be >= 1, got " + padToMultipleOf);
        }
        if (bucketWindow < 1) {
            throw new IllegalArgumentException("bucketWindow must be >= 1, got " + bucketWindow);
        }
    }

    /**
     * Defaults for a batch size: right padding, no rounding, shuffled with seed 42, no bucketing, last batch kept.
     *
     * @param batchSize pairs per batch
     * @return the config
     */
    public static BatchConfig of(int batchSize) {
        return new BatchConfig(batchSize, PaddingSide.RIGHT, 1, true, 42L, false, 50, false);
    }

    /**
     * A copy with another padding side.
     *
     * @param side the side
     * @return the copy
     */
    public BatchConfig withPaddingSide(PaddingSide side) {
        return new BatchConfig(batchSize, side, padToMultipleOf, shuffle, seed, bucketByLength, bucketWindow,
                dropLast);
    }

    /**
     * A copy with another rounding multiple.
     *
     * @param multiple the multiple
     * @return the copy
     */
    public BatchConfig withPadToMultipleOf(int multiple) {
        return new BatchConfig(batchSize, paddingSide, multiple, shuffle, seed, bucketByLength, bucketWindow,
                dropLast);
    }

    /**
     * A copy with shuffling switched on with a seed, or off.
     *
     * @param on whether to shuffle
     * @param newSeed the seed
     * @return the copy
     */
    public BatchConfig withShuffle(boolean on, long newSeed) {
        return new BatchConfig(batchSize, paddingSide, padToMultipleOf, on, newSeed, bucketByLength, bucketWindow,
                dropLast);
    }

    /**
     * A copy with length bucketing switched on or off.
     *
     * @param on whether to bucket
     * @param window batches per sorting window
     * @return the copy
     */
    public BatchConfig withBucketing(boolean on, int window) {
        return new BatchConfig(batchSize, paddingSide, padToMultipleOf, shuffle, seed, on, window, dropLast);
    }

    /**
     * A copy that drops (or keeps) the last, smaller batch.
     *
     * @param drop whether to drop it
     * @return the copy
     */
    public BatchConfig withDropLast(boolean drop) {
        return new BatchConfig(batchSize, paddingSide, padToMultipleOf, shuffle, seed, bucketByLength, bucketWindow,
                drop);
    }
}
