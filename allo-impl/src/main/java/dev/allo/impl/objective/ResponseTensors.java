package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;

/**
 * One validated side of a micro-batch, with every prompt and padding position already set to 0 in every array
 * ({@code where(mask, x, 0)}), so plain sums over {@code T} run over response tokens only and no value outside the
 * response reaches a loss or a gradient. All arrays are in the policy's float type, on the policy's device.
 *
 * @param side which response this is
 * @param policy {@code (B, T)} policy log-probs {@code l}, zero outside the response, differentiable
 * @param reference {@code (B, T)} reference log-probs {@code lref}, zero outside the response, detached; or null
 * @param mask {@code (B, T)} boolean response mask {@code m}
 * @param maskFloat {@code (B, T)} the response mask as 0/1 floats
 * @param weights {@code (B, T)} token weights {@code w}, zero outside the response; or null for all ones
 * @param meanLogits {@code (B, T)} vocabulary-mean logits, zero outside the response, detached; or null
 * @param length {@code (B)} response lengths {@code n = sum_j m_j}, all {@code >= 1}
 */
record ResponseTensors(
        Side side,
        NDArray policy,
        NDArray reference,
        NDArray mask,
        NDArray maskFloat,
        NDArray weights,
        NDArray meanLogits,
        NDArray length) {

    /**
     * The number of rows.
     *
     * @return {@code B}
     */
    long batchSize() {
        return policy.getShape().get(0);
    }

    /**
     * Per-token log-ratio {@code rho_j = l_j - lref_j}, zero outside the response.
     *
     * @return {@code (B, T)}, differentiable through the policy
     * @throws IllegalStateException if this side has no reference
     */
    NDArray logRatio() {
        if (reference == null) {
            throw new IllegalStateException(side.label() + " has no reference log-probs");
        }
        return policy.sub(reference); // (B, T)
    }

    /**
     * Multiplies per-token values by the token weights (identity when the weights are all ones).
     *
     * @param tokenValues {@code (B, T)} values that are zero outside the response
     * @return {@code (B, T)} {@code w_j * x_j}
     */
    NDArray weighted(NDArray tokenValues) {
        return weights == null ? tokenValues : tokenValues.mul(weights);
    }

    /**
     * The effective token weights: {@code w_j} on response tokens and 0 elsewhere (the mask when the weights are all
     * ones).
     *
     * @return {@code (B, T)}
     */
    NDArray tokenWeights() {
        return weights == null ? maskFloat : weights;
    }

    /**
     * Sums per-token values over each row.
     *
     * @param tokenValues {@code (B, T)} values that are zero outside the response
     * @return {@code (B)} the row sums
     */
    static NDArray rowSum(NDArray tokenValues) {
        return tokenValues.sum(new int[] {1}); // (B)
    }
}
