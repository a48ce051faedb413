package dev.allo.train;

import dev.allo.data.BatchConfig;
import java.util.Objects;

/**
 * How one optimisation stage walks its data.
 *
 * <p>One optimiser step consumes one batch of {@code batch.batchSize()} pairs, in the seeded, resumable order of
 * {@link BatchConfig} (its {@code seed} is the stage's only source of randomness). The batch is split, in row order,
 * into micro-batches of {@code microBatchSize} pairs (the last may be smaller), whose gradients are accumulated so
 * that the step equals one step on the whole batch (each micro-batch's loss is normalised by the whole batch's pair
 * or token count; see {@code ObjectiveOutput.accumulationLoss}). The stage runs {@code epochs} epochs, or stops
 * earlier after {@code maxSteps} optimiser steps when {@code maxSteps > 0}.
 *
 * @param batch pairs per optimiser step, padding, order and seed
 * @param microBatchSize pairs per forward/backward pass, in {@code [1, batch.batchSize()]}
 * @param epochs passes over the data, at least 1
 * @param maxSteps the most optimiser steps to take, or 0 for no limit other than {@code epochs}
 * @param logProbChunkSize positions per chunk when computing per-token log-probs ({@code TokenLogProbs.chunked}),
 *     or 0 to compute all positions at once
 * @param referenceBatchSize pairs per forward pass when computing the reference log-probs, at least 1
 */
public record LoopConfig(
        BatchConfig batch, int microBatchSize, int epochs, long maxSteps, int logProbChunkSize,
        int referenceBatchSize) {

    /**
     * Validates the config.
     *
     * @throws IllegalArgumentException naming the field, its constraint and its value
     */
    public LoopConfig {
        Objects.requireNonNull(batch, "batch");
        if (microBatchSize < 1 || microBatchSize > batch.batchSize()) {
            throw new IllegalArgumentException("microBatchSize must be in [1, batch.batchSize()=" + batch.batchSize()
                    + "], got " + microBatchSize);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
        }
        if (logProbChunkSize < 0) {
            throw new IllegalArgumentException("logProbChunkSize must be >= 0 (0 = unchunked), got "
                    + logProbChunkSize);
        }
        if (referenceBatchSize < 1) {
            throw new IllegalArgumentException("referenceBatchSize must be >= 1, got " + referenceBatchSize);
        }
    }

    /**
     * A stage of {@code epochs} epochs with the default ordering of {@link BatchConfig#of(int)}, no step limit,
     * unchunked log-probs and reference passes of {@code microBatchSize} pairs.
     *
     * @param batchSize pairs per optimiser step
     * @param microBatchSize pairs per forward/backward pass
     * @param epochs passes over the data
     * @return the config
     */
    public static LoopConfig of(int batchSize, int microBatchSize, int epochs) {
        return new LoopConfig(BatchConfig.of(batchSize), microBatchSize, epochs, 0, 0, microBatchSize);
    }

    /**
     * The number of micro-batches of a full batch, {@code ceil(batch.batchSize() / microBatchSize)}.
     *
     * @return the gradient accumulation steps
     */
    public int accumulationSteps() {
        return (batch.batchSize() + microBatchSize - 1) / microBatchSize;
    }

    /**
     * The number of optimiser steps of the stage.
     *
     * @param stepsPerEpoch batches per epoch
     * @return {@code epochs * stepsPerEpoch}, capped at {@code maxSteps} when that is positive
     */
    public long totalSteps(int stepsPerEpoch) {
        long all = (long) epochs * stepsPerEpoch;
        return maxSteps > 0 ? Math.min(all, maxSteps) : all;
    }

    /**
     * A copy with another batch config.
     *
     * @param newBatch the batch config
     * @return the copy
     */
    public LoopConfig withBatch(BatchConfig newBatch) {
        return new LoopConfig(newBatch, microBatchSize, epochs, maxSteps, logProbChunkSize, referenceBatchSize);
    }

    /**
     * A copy with a step limit.
     *
     * @param steps the most optimiser steps, or 0 for none
     * @return the copy
     */
    public LoopConfig withMaxSteps(long steps) {
        return new LoopConfig(batch, microBatchSize, epochs, steps, logProbChunkSize, referenceBatchSize);
    }

    /**
     * A copy with chunked log-probs.
     *
     * @param positions positions per chunk, or 0 for unchunked
     * @return the copy
     */
    public LoopConfig withLogProbChunkSize(int positions) {
        return new LoopConfig(batch, microBatchSize, epochs, maxSteps, positions, referenceBatchSize);
    }

    /**
     * A copy with another reference batch size.
     *
     * @param pairs pairs per reference forward pass
     * @return the copy
     */
    public LoopConfig withReferenceBatchSize(int pairs) {
        return new LoopConfig(batch, microBatchSize, epochs, maxSteps, logProbChunkSize, pairs);
    }
}
