package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.allo.data.SequenceBatch;
import dev.allo.impl.model.RecomputedHead;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.model.CausalLm;

/** Per-token log-probs of the chosen and/or rejected side of a batch, in one forward pass when both are needed. */
final class PolicyForward {
    private PolicyForward() {}

    /**
     * Runs the model over the given sides. When both are given they have the same {@code (B, T)} shape (the
     * collator pads both to one length) and run as one {@code (2B, T)} batch.
     *
     * @param model the model
     * @param logProbs the per-token log-prob calculator
     * @param chosen the chosen side, or null
     * @param rejected the rejected side, or null
     * @param meanLogits whether to compute the mean logits too (the policy's metrics need them, the reference's not)
     * @return {@code {chosen, rejected, chosenMeanLogits, rejectedMeanLogits}}, each {@code (B, T)} float32 or null
     *     when its side was not given; the mean logits are TRL's per-position vocabulary means, without gradient
     */
    static NDArray[] logProbs(CausalLm model, TokenLogProbs logProbs, SequenceBatch chosen, SequenceBatch rejected,
            boolean meanLogits) {
        return forward((ids, attention, response, means) -> means
                ? logProbs.computeWithMeanLogits(model, ids, attention, response)
                : new NDArray[] {logProbs.compute(model, ids, attention, response)}, chosen, rejected, meanLogits);
    }

    /**
     * Like {@link #logProbs(CausalLm, TokenLogProbs, SequenceBatch, SequenceBatch, boolean)}, through a recomputing
     * head (whose second pass the caller runs after the loss's backward pass).
     *
     * @param model the model
     * @param head the recomputing head
     * @param chosen the chosen side, or null
     * @param rejected the rejected side, or null
     * @param meanLogits whether to compute the mean logits too
     * @return as the other overload
     */
    static NDArray[] logProbs(CausalLm model, RecomputedHead head, SequenceBatch chosen, SequenceBatch rejected,
            boolean meanLogits) {
        return forward((ids, attention, response, means) -> head.compute(model, ids, attention, response,
                means), chosen, rejected, meanLogits);
    }

    /** Per-token log-probs of one {@code (B, T)} batch: {@code {logProbs}} or {@code {logProbs, meanLogits}}. */
    @FunctionalInterface
    private interface Scorer {
        NDArray[] run(NDArray ids, NDArray attention, NDArray response, boolean meanLogits);
    }

    private static NDArray[] forward(Scorer scorer, SequenceBatch chosen, SequenceBatch rejected,
            boolean meanLogits) {
        if (chosen != null && rejected != null) {
            long b = chosen.ids().getShape().get(0);
            NDArray ids = NDArrays.concat(new NDList(chosen.ids(), rejected.ids()), 0); // (2B, T)
            NDArray attention = NDArrays.concat(new NDList(chosen.attentionMask(), rejected.attentionMask()), 0);
            NDArray response = NDArrays.concat(new NDList(chosen.responseMask(), rejected.responseMask()), 0);
            NDArray[] both = scorer.run(ids, attention, response, meanLogits); // (2B, T) each
            return new NDArray[] {both[0].get("0:" + b), both[0].get(b + ":"),
                meanLogits ? both[1].get("0:" + b) : null, meanLogits ? both[1].get(b + ":") : null};
        }
        SequenceBatch side = chosen != null ? chosen : rejected;
        NDArray[] out = scorer.run(side.ids(), side.attentionMask(), side.responseMask(), meanLogits); // (B, T)
        NDArray mean = meanLogits ? out[1] : null;
        return chosen != null ? new NDArray[] {out[0], null, mean, null} : new NDArray[] {null, out[0], null, mean};
    }
}
