package dev.allo.objective;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * The per-token inputs of one side (chosen or rejected) of a preference batch. All arrays are {@code (B, T)}, with
 * {@code B} pairs and {@code T} token positions; position {@code t} holds the log-prob of the token at {@code t}
 * given the tokens before it (labels already shifted).
 *
 * <p>Only response positions ({@code mask = 1}) ever enter a loss, a gradient or a metric: prompt and padding
 * positions may hold any value, including non-finite ones. Value checks (finite log-probs, binary mask, weights in
 * {@code [0, 1]}, at least one response token per row) are made by the objective, which names the side, tensor,
 * row and column of a bad value.
 *
 * @param policy {@code (B, T)} per-token log-probs of the policy being trained, floating point; gradients flow
 *     through it
 * @param reference {@code (B, T)} per-token log-probs of the frozen reference model, or {@code null} for
 *     reference-free objectives (SimPO, SFT); never differentiated
 * @param mask {@code (B, T)} response mask: 1 on response tokens, 0 on prompt and padding (any numeric or boolean
 *     type)
 * @param weights {@code (B, T)} token weights in {@code [0, 1]} ({@code r_j} of Eq. 5 for token-level NPO), or
 *     {@code null} for all ones
 * @param meanLogits {@code (B, T)} per-token mean of the logits over the vocabulary, or {@code null}; only used for
 *     the {@code logits/chosen} and {@code logits/rejected} metrics
 */
public record ResponseLogProbs(
        NDArray policy, NDArray reference, NDArray mask, NDArray weights, NDArray meanLogits) {

    /**
     * Checks that the two required arrays are present.
     *
     * @throws NullPointerException if {@code policy} or {@code mask} is null
     */
    public ResponseLogProbs {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(mask, "mask");
    }

    /**
     * Inputs with reference log-probs, all-ones weights and no logits.
     *
     * @param policy {@code (B, T)} policy log-probs
     * @param reference {@code (B, T)} reference log-probs
     * @param mask {@code (B, T)} response mask
     * @return the inputs
     */
    public static ResponseLogProbs of(NDArray policy, NDArray reference, NDArray mask) {
        return new ResponseLogProbs(policy, reference, mask, null, null);
    }

    /**
     * Reference-free inputs (SimPO, SFT) with all-ones weights and no logits.
     *
     * @param policy {@code (B, T)} policy log-probs
     * @param mask {@code (B, T)} response mask
     * @return the inputs
     */
    public static ResponseLogProbs referenceFree(NDArray policy, NDArray mask) {
        return new ResponseLogProbs(policy, null, mask, null, null);
    }

    /**
     * A copy with the given token weights.
     *
     * @param tokenWeights {@code (B, T)} weights in {@code [0, 1]}, or {@code null} for all ones
     * @return the copy
     */
    public ResponseLogProbs withWeights(NDArray tokenWeights) {
        return new ResponseLogProbs(policy, reference, mask, tokenWeights, meanLogits);
    }

    /**
     * A copy with the given per-token vocabulary-mean logits (for the {@code logits/*} metrics).
     *
     * @param tokenMeanLogits {@code (B, T)} mean of the logits over the vocabulary at each position, or {@code null}
     * @return the copy
     */
    public ResponseLogProbs withMeanLogits(NDArray tokenMeanLogits) {
        return new ResponseLogProbs(policy, reference, mask, weights, tokenMeanLogits);
    }

    /**
     * Whether reference log-probs are present.
     *
     * @return true when {@link #reference()} is not null
     */
    public boolean hasReference() {
        return reference != null;
    }

    /**
     * The number of rows, {@code B}.
     *
     * @return the batch size
     */
    public long batchSize() {
        return policy.getShape().get(0);
    }
}
