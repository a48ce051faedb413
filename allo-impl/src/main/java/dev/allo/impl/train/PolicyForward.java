package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.allo.data.SequenceBatch;
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
     * @return {@code {chosen, rejected}}, each {@code (B, T)} float32 or null when its side was not given
     */
    static NDArray[] logProbs(CausalLm model, TokenLogProbs logProbs, SequenceBatch chosen, SequenceBatch rejected) {
        if (chosen != null && rejected != null) {
            long b = chosen.ids().getShape().get(0);
            NDArray ids = NDArrays.concat(new NDList(chosen.ids(), rejected.ids()), 0); // (2B, T)
            NDArray attention = NDArrays.concat(new NDList(chosen.attentionMask(), rejected.attentionMask()), 0);
            NDArray response = NDArrays.concat(new NDList(chosen.responseMask(), rejected.responseMask()), 0);
            NDArray both = logProbs.compute(model, ids, attention, response); // (2B, T)
            return new NDArray[] {both.get("0:" + b), both.get(b + ":")};
        }
        SequenceBatch side = chosen != null ? chosen : rejected;
        NDArray out = logProbs.compute(model, side.ids(), side.attentionMask(), side.responseMask()); // (B, T)
        return chosen != null ? new NDArray[] {out, null} : new NDArray[] {null, out};
    }
}
