package dev.allo.data;

/**
 * Where a run stands in its data order: the epoch and the index of the next batch within it. A training loop stores
 * it in its checkpoint; with the same pairs and {@link BatchConfig} the order from this position on is the same as
 * in the interrupted run.
 *
 * @param epoch the 0-based epoch
 * @param batch the 0-based index of the next batch within the epoch
 */
public record BatchPosition(int epoch, int batch) {

    /** The start of the first epoch. */
    public static final BatchPosition START = new BatchPosition(0, 0);

    /**
     * Validates the position.
     *
     * @throws IllegalArgumentException if either number is negative
     */
    public BatchPosition {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
    }

    /**
     * The position after this one.
     *
     * @param batchesPerEpoch the number of batches in an epoch
     * @return the next batch, rolling over to the next epoch
     */
    public BatchPosition next(int batchesPerEpoch) {
        return batch + 1 >= batchesPerEpoch ? new BatchPosition(epoch + 1, 0) : new BatchPosition(epoch, batch + 1);
    }
}
