package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.Normalization;

/**
 * A loss term while it is still on the device: its un-normalised sum and its count.
 *
 * @param name the term's name
 * @param sum scalar, differentiable sum of the term's per-pair or per-token losses
 * @param normalization what the sum is divided by
 * @param count scalar, this micro-batch's count for {@code normalization}
 * @param weight the term's coefficient in the total loss
 */
record TermTensor(String name, NDArray sum, Normalization normalization, NDArray count, double weight) {

    /**
     * {@code weight * sum / count}, or 0 when the count is 0 (the sum is then 0 too).
     *
     * @return scalar, differentiable
     */
    NDArray normalised() {
        NDArray safeCount = count.add(count.eq(0f).toType(count.getDataType(), false)); // 0 -> 1
        return Scalars.times(sum.div(safeCount), weight);
    }
}
