package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.allo.model.CausalLm;
import java.util.Objects;

/**
 * A recomputing output head for training: per-token log-probabilities ({@link TokenLogProbs}) whose backward pass
 * holds the {@code (B, c, V)} arrays of one chunk of positions at a time, where the one-pass head's autograd graph
 * keeps every chunk's log-softmax (about one {@code (B, T, V)} float tensor) until the backward pass. The same idea
 * as {@link CheckpointedDecoder} (Chen et al., arXiv 1604.06174, Sec. 3) applied to the head: DJL has no custom
 * autograd functions, so the backward pass is split into separate backward calls in one open collector, each adding
 * its parameter gradients into the parameters' {@code .grad}:
 *
 * <pre>
 * pass 1, recorded:          h = hiddenStates(ids)                                       (B, T, H)
 *                            h' = h detached, a leaf requiring grad
 *         not recorded:      l = log softmax(logits(h'))[ids], chunk by chunk            (B, n), n scored columns
 *         recorded:          out = m * [0 | l | 0], l a leaf requiring grad              (B, T)           (Eq. H1)
 * caller:                    backward(loss(out))              gives g = dLoss/dl (B, n)
 * backward(collector):
 * pass 2, per chunk k:       l_k = log softmax(logits(h'_k))[ids_k], recorded
 *                            backward(sum(l_k * g_k))         adds dLoss/dW_head; dLoss/dh'_k into h'.grad  (Eq. H2)
 * then:                      backward(sum(h * h'.grad))       the decoder's gradients (with a
 *                                                             CheckpointedDecoder, its dLoss/dx_L; call its backward
 *                                                             next)                                         (Eq. H3)
 * </pre>
 *
 * <p>{@code d sum(y * g) / dy = g} exactly, so each segment propagates the vector one backward pass through the whole
 * graph would, and the recomputed log-probs equal the first pass's (the same operations on the same inputs): the
 * gradients equal the one-pass head's up to float rounding. This holds for any loss that reads the policy only
 * through the returned log-probs, as every preference objective does ({@code ResponseLogProbs} carries the policy's
 * log-probs and, without gradient, its mean logits). The cost is one more forward pass of the head. The head's
 * {@code (B, c, V)} logits, log-softmax and their gradients, and a 16-bit head weight widened to float32, exist for
 * one chunk at a time.
 *
 * <p>Outside grad mode (reference log-probs, evaluation) it is the plain {@link TokenLogProbs}. Passes that never
 * reach {@link #backward} are freed by {@link #discard()}.
 *
 * <p>Not thread-safe.
 */
public final class RecomputedHead {
    private final TokenLogProbs logProbs;
    private final PendingPasses pending = new PendingPasses();

    private RecomputedHead(TokenLogProbs logProbs) {
        this.logProbs = logProbs;
    }

    /**
     * A recomputing head over the given chunking.
     *
     * @param logProbs the per-token log-prob calculator (its chunk size is the second pass's)
     * @return the head
     */
    public static RecomputedHead of(TokenLogProbs logProbs) {
        return new RecomputedHead(Objects.requireNonNull(logProbs, "logProbs"));
    }

    /**
     * Like {@link TokenLogProbs#computeWithMeanLogits}; in grad mode the head runs without recording and the pass
     * waits for {@link #backward(GradientCollector)} (Eq. H1).
     *
     * @param model the causal LM
     * @param inputIds {@code (B, T)} int64 token ids
     * @param attentionMask {@code (B, T)} padding mask, 1 for real tokens
     * @param responseMask {@code (B, T)} 1 for the tokens to score
     * @param meanLogits whether to compute the mean logits too
     * @return {@code {logProbs}} or {@code {logProbs, meanLogits}}, each {@code (B, T)} float32, owned by the
     *     manager of {@code inputIds}
     */
    public NDArray[] compute(CausalLm model, NDArray inputIds, NDArray attentionMask, NDArray responseMask,
            boolean meanLogits) {
        if (!JniUtils.isGradMode()) {
            return meanLogits ? logProbs.computeWithMeanLogits(model, inputIds, attentionMask, responseMask)
                    : new NDArray[] {logProbs.compute(model, inputIds, attentionMask, responseMask)};
        }
        NDManager owner = inputIds.getManager();
        NDManager passManager = owner.newSubManager(model.device());
        try {
            NDArray hidden = model.hiddenStates(inputIds, attentionMask); // (B, T, H), recorded
            hidden.attach(passManager);
            NDArray leaf = hidden.stopGradient(); // (B, T, H), the same values without graph
            leaf.attach(passManager);
            leaf.setRequiresGradient(true);
            NDArray labels = inputIds.toDevice(model.device(), true).toType(DataType.INT64, false); // (B, T)
            labels.attach(passManager);
            TokenLogProbs.Scored s = logProbs.score(model, leaf, labels, attentionMask, responseMask, meanLogits,
                    true);
            s.scoredColumns().attach(passManager);
            pending.add(new Pass(passManager, model, hidden, leaf, labels, s.scoredColumns(), s.firstPosition()));
            s.logProbs().attach(owner);
            if (!meanLogits) {
                return new NDArray[] {s.logProbs()};
            }
            s.meanLogits().attach(owner);
            return new NDArray[] {s.logProbs(), s.meanLogits()};
        } catch (RuntimeException e) {
            passManager.close();
            throw e;
        }
    }

    /**
     * Finishes the backward pass of every pass run since the last call through the head (Eq. H2) and into the
     * hidden states' graph (Eq. H3). Call after {@code collector.backward(loss)}, with the same collector still open,
     * and before {@link CheckpointedDecoder#backward} when the model is one. A pass whose log-probs the loss did not
     * read contributes nothing.
     *
     * @param collector the open gradient collector of the caller's backward pass
     */
    public void backward(GradientCollector collector) {
        Objects.requireNonNull(collector, "collector");
        pending.backwardAll(collector);
    }

    /** Frees every pass not yet back-propagated (after a failed step). */
    public void discard() {
        pending.discard();
    }

    /**
     * The passes waiting for {@link #backward(GradientCollector)}.
     *
     * @return the count
     */
    public int pendingPasses() {
        return pending.size();
    }

    /** One pass waiting for its second pass; every array in it belongs to {@code manager}. */
    private final class Pass implements PendingPasses.Pass {
        private final NDManager manager;
        private final CausalLm model;
        private final NDArray hidden;
        private final NDArray leaf;
        private final NDArray labels;
        private final NDArray scoredColumns;
        private final long firstPosition;

        Pass(NDManager manager, CausalLm model, NDArray hidden, NDArray leaf, NDArray labels, NDArray scoredColumns,
                long firstPosition) {
            this.manager = manager;
            this.model = model;
            this.hidden = hidden;
            this.leaf = leaf;
            this.labels = labels;
            this.scoredColumns = scoredColumns;
            this.firstPosition = firstPosition;
        }

        @Override
        public NDManager manager() {
            return manager;
        }

        @Override
        public void backward(GradientCollector collector) {
            NDArray g = scoredColumns.getGradient(); // (B, n) dLoss/dl (zeros if the loss did not read this pass)
            g.attach(manager);
            logProbs.backwardScored(model, leaf, labels, g, firstPosition, collector); // Eq. (H2)
            g.close();
            NDArray gHidden = leaf.getGradient(); // (B, T, H) dLoss/dh
            gHidden.attach(manager);
            NDArray target = hidden.mul(gHidden).sum(); // d target / d h = dLoss/dh, Eq. (H3)
            target.attach(manager);
            collector.backward(target);
        }
    }
}
