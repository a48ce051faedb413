package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * ALLO's noisy-token filter, Eq. (8): among each rejected response's tokens, the {@code k = floor(v * n)} tokens
 * with the largest log-ratio {@code rho_j} get {@code q_j = 0}, all others {@code q_j = 1}. {@code k} is computed in
 * double precision on the host, {@code Math.floor(v * n)}, for every possible length.
 *
 * <p>Ties: among tokens whose {@code rho_j} equals the k-th largest value, the earlier positions are dropped first,
 * so the result never depends on the engine's sort order. No gradient flows through {@code q}: it is computed from
 * a detached copy of {@code rho}. Cost: one sort of {@code (B, T)} and a handful of element-wise ops.
 */
final class NoisyTokenFilter {

    private final double ratio;

    /**
     * Creates the filter.
     *
     * @param ratio {@code v}, in {@code [0, 1]}
     */
    NoisyTokenFilter(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("noisyTokenRatio must be in [0, 1], got " + ratio);
        }
        this.ratio = ratio;
    }

    /**
     * Computes {@code q} for the rejected responses.
     *
     * @param logRatio {@code (B, T)} {@code rho}, any value outside the response
     * @param mask {@code (B, T)} boolean response mask
     * @param length {@code (B)} response lengths, each {@code >= 1}
     * @return {@code (B, T)} {@code q} in the type of {@code logRatio}, 1 outside the response, detached
     */
    NDArray keep(NDArray logRatio, NDArray mask, NDArray length) {
        DataType type = logRatio.getDataType();
        int positions = (int) logRatio.getShape().get(1);
        float[] table = new float[positions + 1];
        for (int n = 0; n <= positions; n++) {
            table[n] = (float) Math.floor(ratio * n); // k for a response of n tokens
        }
        NDArray kByLength = logRatio.getManager().create(table).toType(type, false); // (T + 1)
        NDArray k = kByLength.gather(length.toType(DataType.INT64, false), 0).expandDims(1); // (B, 1)

        NDArray negInf = logRatio.getManager().full(new Shape(), Float.NEGATIVE_INFINITY, type);
        NDArray rho = NDArrays.where(mask, logRatio.stopGradient(), negInf); // (B, T)
        NDArray descending = rho.neg().sort(1).neg(); // (B, T), non-response -inf last
        NDArray kthIndex = k.sub(1f).maximum(0f).toType(DataType.INT64, false); // (B, 1)
        NDArray threshold = descending.gather(kthIndex, 1); // (B, 1), the k-th largest rho
        NDArray above = rho.gt(threshold); // (B, T)
        NDArray tied = rho.eq(threshold); // (B, T)
        NDArray aboveCount = above.toType(type, false).sum(new int[] {1}, true); // (B, 1)
        NDArray tieRank = tied.toType(type, false).cumSum(1); // (B, T), 1-based rank among ties, by position
        // When k = 0 the threshold is the maximum, nothing is above it and no tie rank is <= 0: nothing is dropped.
        NDArray tiesToDrop = tied.logicalAnd(tieRank.lte(k.sub(aboveCount))); // (B, T)
        NDArray drop = above.logicalOr(tiesToDrop); // (B, T); Eq. (8): q = 0 for the top v% of rho
        return drop.logicalNot().toType(type, false);
    }
}
