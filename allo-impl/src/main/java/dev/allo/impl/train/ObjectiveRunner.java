package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import dev.allo.AlloException;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.SequenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.RecomputedHead;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.model.CausalLm;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One micro-batch through the policy and the objective: forward the sides the objective reads (one {@code 2B} pass
 * when it reads both), per-token log-probs, reference log-probs from the cache, token weights from the batch, then
 * {@link PreferenceObjective#compute}. Arrays belong to the batch's manager or the caller's {@code NDScope}.
 */
final class ObjectiveRunner {
    private final CausalLm policy;
    private final PreferenceObjective objective;
    private final ReferenceLogProbs reference;
    private final TokenLogProbs logProbs;
    private final RecomputedHead head; // null: the one-pass head

    ObjectiveRunner(CausalLm policy, PreferenceObjective objective, ReferenceLogProbs reference,
            TokenLogProbs logProbs) {
        this(policy, objective, reference, logProbs, null);
    }

    /**
     * A runner whose policy log-probs go through {@code head} when it is given (its second pass is the caller's,
     * after the loss's backward pass).
     */
    ObjectiveRunner(CausalLm policy, PreferenceObjective objective, ReferenceLogProbs reference,
            TokenLogProbs logProbs, RecomputedHead head) {
        if (objective.requiresReference() && reference == null) {
            throw new IllegalArgumentException("objective " + objective.name() + " needs reference log-probs");
        }
        this.policy = policy;
        this.objective = objective;
        this.reference = objective.requiresReference() ? reference : null;
        this.logProbs = logProbs;
        this.head = head;
    }

    /**
     * Runs the forward pass and the objective on one collated micro-batch of {@code rows}.
     *
     * @throws AlloException naming {@code where} if the policy's log-probs hold a NaN or infinity (for example
     *     after a non-finite weight), before the objective sees them
     */
    ObjectiveOutput compute(PreferenceBatch batch, List<TokenizedPair> rows, String where) {
        SequenceBatch chosen = objective.requiresChosen() ? batch.chosen() : null;
        SequenceBatch rejected = objective.requiresRejected() ? batch.rejected() : null;
        NDArray[] policyLogProbs = head == null ? PolicyForward.logProbs(policy, logProbs, chosen, rejected, true)
                : PolicyForward.logProbs(policy, head, chosen, rejected, true); // (B, T) each
        for (NDArray lp : policyLogProbs) {
            if (lp != null && lp.isNaN().logicalOr(lp.isInfinite()).any().getBoolean()) {
                throw new AlloException(where + ": the policy's per-token log-probs hold NaN or infinite values (a"
                        + " weight may be NaN or infinite); the weights were not updated by this step");
            }
        }
        ResponseLogProbs c = chosen == null ? null : side(policyLogProbs[0], policyLogProbs[2], chosen, rows, true);
        ResponseLogProbs r = rejected == null ? null
                : side(policyLogProbs[1], policyLogProbs[3], rejected, rows, false);
        return objective.compute(new PreferenceBatchLogProbs(c, r));
    }

    private ResponseLogProbs side(NDArray policyLogProbs, NDArray meanLogits, SequenceBatch side,
            List<TokenizedPair> rows, boolean chosenSide) {
        NDArray ref = reference == null ? null : reference.side(rows, side.responseMask(), chosenSide); // (B, T)
        // meanLogits feed TRL's logits/chosen and logits/rejected
        return new ResponseLogProbs(policyLogProbs, ref, side.responseMask(), side.weights(), meanLogits);
    }

    /** Real (non-padding) tokens the forward pass of {@link #compute} reads for these rows. */
    long forwardTokens(List<TokenizedPair> rows) {
        long n = 0;
        for (TokenizedPair p : rows) {
            n += (objective.requiresChosen() ? p.chosenLength() : 0)
                    + (objective.requiresRejected() ? p.rejectedLength() : 0);
        }
        return n;
    }

    /**
     * The whole batch's count of every normalisation, summed over its micro-batches, each counted from the collated
     * masks and weights exactly as the objectives count them (so one micro-batch's total equals its own count).
     */
    static Map<Normalization, Double> totals(List<PreferenceBatch> microBatches) {
        Map<Normalization, Double> totals = new EnumMap<>(Normalization.class);
        for (Normalization n : Normalization.values()) {
            totals.put(n, 0.0);
        }
        for (PreferenceBatch b : microBatches) {
            NDArray chosenMask = b.chosen().responseMask();
            NDArray rejectedMask = b.rejected().responseMask();
            totals.merge(Normalization.PAIRS, Normalization.PAIRS.count(chosenMask, rejectedMask, null), Double::sum);
            totals.merge(Normalization.CHOSEN_TOKENS, Normalization.CHOSEN_TOKENS.count(chosenMask, null, null),
                    Double::sum);
            totals.merge(Normalization.WEIGHTED_REJECTED_TOKENS, Normalization.WEIGHTED_REJECTED_TOKENS.count(null,
                    rejectedMask, b.rejected().weights()), Double::sum);
        }
        return totals;
    }
}
