package dev.allo.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;

/**
 * What a loss term is divided by. A micro-batch's loss is {@code sum / count} with this micro-batch's count; to make
 * gradient accumulation over micro-batches equal one large batch, a training loop divides each micro-batch's
 * {@link LossTerm#sum()} by the count of the whole large batch instead, which it can compute from the masks and
 * weights alone, before any forward pass, with {@link #count(NDArray, NDArray, NDArray)} summed over micro-batches
 * (see {@link ObjectiveOutput#accumulationLoss(java.util.Map)}).
 */
public enum Normalization {
    /** Mean over pairs (every DPO-family objective, sequence NPO): count {@code = B}. */
    PAIRS,
    /** Mean over chosen response tokens (SFT): count {@code = sum_{b,j} m+_{b,j}}. */
    CHOSEN_TOKENS,
    /**
     * Mean over weighted rejected response tokens (token-level NPO, Eq. 7): count
     * {@code = sum_{b,j} m-_{b,j} r_{b,j}}.
     */
    WEIGHTED_REJECTED_TOKENS;

    /**
     * This normalisation's count for one micro-batch, from its masks and weights.
     *
     * @param chosenMask {@code (B, T+)} chosen response mask; needed for {@link #PAIRS} when {@code rejectedMask} is
     *     null, and for {@link #CHOSEN_TOKENS}
     * @param rejectedMask {@code (B, T-)} rejected response mask; needed for {@link #WEIGHTED_REJECTED_TOKENS}
     * @param rejectedWeights {@code (B, T-)} rejected token weights, or null for all ones
     * @return the count
     * @throws IllegalArgumentException if a needed array is null
     */
    public double count(NDArray chosenMask, NDArray rejectedMask, NDArray rejectedWeights) {
        if (this == PAIRS) {
            NDArray any = chosenMask != null ? chosenMask : rejectedMask;
            if (any == null) {
                throw new IllegalArgumentException("PAIRS needs a chosen or a rejected mask, got neither");
            }
            return any.getShape().get(0);
        }
        NDArray mask = this == CHOSEN_TOKENS ? chosenMask : rejectedMask;
        if (mask == null) {
            throw new IllegalArgumentException(name() + " needs the " + (this == CHOSEN_TOKENS ? "chosen" : "rejected")
                    + " mask, got null");
        }
        // Temporaries are freed here; toType(.., false) may return the caller's own array, which NDScope leaves alone.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray m = mask.toType(DataType.FLOAT32, false);
            if (this == WEIGHTED_REJECTED_TOKENS && rejectedWeights != null) {
                m = m.mul(rejectedWeights.toType(DataType.FLOAT32, false));
            }
            return m.sum().getFloat();
        }
    }
}
