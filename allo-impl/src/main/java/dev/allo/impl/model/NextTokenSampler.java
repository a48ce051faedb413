package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Chooses the next token of each sequence from the last position's logits: greedy, or temperature plus nucleus
 * (top-p) sampling as {@link GenerationConfig} describes. Sampling draws one uniform number per sequence per step,
 * either from one {@link SplittableRandom} shared by the batch (seeded by {@link GenerationConfig#seed()}) or from one
 * stream per row (seeded by the row's own seed), so a seed reproduces the tokens.
 */
final class NextTokenSampler {
    private final GenerationConfig config;
    private final SplittableRandom random;
    private final SplittableRandom[] rows;

    NextTokenSampler(GenerationConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.rows = null;
    }

    /** A sampler with one random stream per row, seeded by {@code rowSeeds[b]}. */
    NextTokenSampler(GenerationConfig config, long[] rowSeeds) {
        this.config = config;
        this.random = null;
        this.rows = new SplittableRandom[rowSeeds.length];
        for (int b = 0; b < rowSeeds.length; b++) {
            rows[b] = new SplittableRandom(rowSeeds[b]);
        }
    }

    /**
     * Chooses one token per row.
     *
     * @param logits {@code (B, V)} float32 logits of the last position
     * @return the chosen ids, one per row
     */
    long[] next(NDArray logits) {
        long batch = logits.getShape().get(0);
        long vocab = logits.getShape().get(1);
        try (NDManager scope = logits.getManager().newSubManager()) {
            logits.tempAttach(scope);
            if (config.isGreedy()) {
                return logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
            }
            // Subtracting the maximum first keeps a tiny temperature from overflowing to inf - inf = NaN.
            NDArray scaled = logits.sub(logits.max(new int[] {-1}, true)).div(config.temperature());
            NDArray probs = scaled.softmax(-1); // (B, V)
            NDArray order = probs.argSort(-1, false); // (B, V) ids by descending probability
            NDArray sorted = probs.gather(order, -1); // (B, V)
            NDArray cumulative = sorted.cumSum(-1);
            NDArray nucleus = cumulative.sub(sorted).lt(config.topP()).toType(DataType.FLOAT32, false);
            NDArray kept = sorted.mul(nucleus).cumSum(-1); // (B, V) cumulative mass of the nucleus
            float[] u = new float[Math.toIntExact(batch)];
            for (int b = 0; b < u.length; b++) {
                u[b] = (float) (rows == null ? random : rows[b]).nextDouble();
            }
            NDArray threshold = kept.get(":, -1:").mul(scope.create(u, new Shape(batch, 1))); // (B, 1)
            // The sampled rank is the number of ranks whose cumulative mass does not exceed u * total.
            NDArray rank = kept.lte(threshold).sum(new int[] {1}).minimum(vocab - 1)
                    .toType(DataType.INT64, false).reshape(batch, 1);
            NDArray keptCount = nucleus.sum(new int[] {1}).toType(DataType.INT64, false).reshape(batch, 1);
            rank = rank.minimum(keptCount.sub(1));
            return order.gather(rank, -1).reshape(batch).toType(DataType.INT64, false).toLongArray();
        }
    }
}
