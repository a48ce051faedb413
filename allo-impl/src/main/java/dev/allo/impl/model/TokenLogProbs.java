package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.allo.model.CausalLm;

/**
 * Per-token log-probabilities of the tokens of a sequence under a causal LM, restricted to a response mask.
 *
 * <pre>
 * out[b, t] = m[b, t] * log softmax(logits[b, t - 1])[ids[b, t]]    for t = 1 .. T-1
 * out[b, 0] = 0
 * m[b, t]   = response[b, t] * attention[b, t] * attention[b, t - 1]
 * </pre>
 *
 * <p>where {@code response} is the response mask and {@code attention} the padding mask: a token is scored only if
 * it and the position predicting it are real tokens (the first real token after left padding is predicted from a
 * padding position's meaningless logits, so it is never scored; a response that follows a non-empty prompt is
 * unaffected). The output is {@code (B, T)}, aligned with the tokens it scores: column
 * {@code t} holds {@code l(ids[t]) = log P(ids[t] | ids[<t])}, computed from the logits at position {@code t - 1}
 * (the next-token shift); column 0 is always 0 because nothing predicts the first token. So the response mask, the
 * token weights and the output all share the token grid of {@code inputIds}. The objectives write this as
 * {@code l(y_j)}; summed over a response it is the {@code log P(y | x)} of ALLO's Eq. (2) (arXiv 2406.12606).
 *
 * <p><b>Scored range.</b> Only the positions whose logits score a token, from the batch's first scored column
 * {@code t_lo} to its last {@code t_hi} (positions {@code t_lo - 1 .. t_hi - 1}), go through the head (the
 * {@code (B, ., H) x (H, V)} projection, log-softmax and gather); the other columns are 0 whatever their logits, so
 * their logits are never computed. For prompt-then-response batches this skips the prompt positions' head cost in the
 * forward pass, in the backward pass and in reference forwards alike. Finding the range reads the {@code (T)} column
 * counts of the mask back to the host once per call. A batch with no scored token still runs the head on one
 * position, so the result keeps its gradient graph.
 *
 * <p><b>Chunks.</b> With {@link #chunked(int)}, positions are processed {@code c} at a time (hidden states, logits,
 * log-softmax, gather for that chunk), and each chunk's {@code (B, c, V)} arrays are released before the next, so
 * without gradient recording the full {@code (B, T, V)} float tensor never exists; peak extra memory is
 * {@code O(B c V)}. Under gradient recording the autograd graph must keep each chunk's log-softmax output for the
 * backward pass (about one {@code (B, T, V)} float tensor in total, in pieces) but not the logits, which the
 * unchunked path keeps alive as well. The result and its gradients equal the unchunked ones up to float rounding.
 * {@link RecomputedHead} avoids keeping them: it runs the head without recording and recomputes one chunk at a time
 * in the backward pass.
 */
public final class TokenLogProbs {
    private final int chunkSize;

    private TokenLogProbs(int chunkSize) {
        this.chunkSize = chunkSize;
    }

    /**
     * All positions at once.
     *
     * @return the calculator
     */
    public static TokenLogProbs unchunked() {
        return new TokenLogProbs(Integer.MAX_VALUE);
    }

    /**
     * Positions in chunks of {@code positionsPerChunk}.
     *
     * @param positionsPerChunk c, at least 1
     * @return the calculator
     * @throws IllegalArgumentException if {@code positionsPerChunk < 1}
     */
    public static TokenLogProbs chunked(int positionsPerChunk) {
        if (positionsPerChunk < 1) {
            throw new IllegalArgumentException("positionsPerChunk must be >= 1, got " + positionsPerChunk);
        }
        return new TokenLogProbs(positionsPerChunk);
    }

    /**
     * Runs the model and returns the masked per-token log-probabilities.
     *
     * @param model the causal LM
     * @param inputIds {@code (B, T)} int64 token ids
     * @param attentionMask {@code (B, T)} padding mask, 1 for real tokens
     * @param responseMask {@code (B, T)} 1 for the tokens to score (any numeric or boolean type)
     * @return {@code (B, T)} float32 masked log-probabilities, column 0 zero; owned by the manager of
     *     {@code inputIds}
     */
    public NDArray compute(CausalLm model, NDArray inputIds, NDArray attentionMask, NDArray responseMask) {
        return run(model, inputIds, attentionMask, responseMask, false)[0];
    }

    /**
     * Like {@link #compute}, and also the mean logit of every scored position, for TRL's {@code logits/chosen} and
     * {@code logits/rejected}: {@code meanLogits[b, t] = m[b, t] * mean_v logits[b, t - 1, v]} (the logits that score
     * token {@code t}), without gradient, 0 wherever the token is not scored (as the log-probs). Computed chunk by
     * chunk beside the log-softmax, so it costs one extra reduction over the vocabulary and never the full
     * {@code (B, T, V)} tensor.
     *
     * @param model the causal LM
     * @param inputIds {@code (B, T)} int64 token ids
     * @param attentionMask {@code (B, T)} padding mask, 1 for real tokens
     * @param responseMask {@code (B, T)} 1 for the tokens to score
     * @return {@code {logProbs, meanLogits}}, each {@code (B, T)} float32, owned by the manager of
     *     {@code inputIds}
     */
    public NDArray[] computeWithMeanLogits(CausalLm model, NDArray inputIds, NDArray attentionMask,
            NDArray responseMask) {
        return run(model, inputIds, attentionMask, responseMask, true);
    }

    private NDArray[] run(CausalLm model, NDArray inputIds, NDArray attentionMask, NDArray responseMask,
            boolean meanLogits) {
        NDManager owner = inputIds.getManager();
        try (NDManager scope = owner.newSubManager()) {
            NDArray hidden = model.hiddenStates(inputIds, attentionMask); // (B, T, H)
            hidden.attach(scope);
            NDArray[] out = fromHidden(model, hidden, inputIds, attentionMask, responseMask, meanLogits);
            for (NDArray a : out) {
                a.attach(owner);
            }
            return out;
        }
    }

    /**
     * The masked per-token log-probabilities from hidden states already computed (for example shared between
     * several objectives).
     *
     * @param model the causal LM whose {@link CausalLm#logits(NDArray)} maps hidden states to logits
     * @param hidden {@code (B, T, H)} hidden states
     * @param inputIds {@code (B, T)} int64 token ids
     * @param attentionMask {@code (B, T)} padding mask the hidden states were computed with
     * @param responseMask {@code (B, T)} 1 for the tokens to score
     * @return {@code (B, T)} float32 masked log-probabilities, column 0 zero; owned by the manager of
     *     {@code hidden}
     * @throws IllegalArgumentException if the shapes disagree
     */
    public NDArray fromHidden(CausalLm model, NDArray hidden, NDArray inputIds, NDArray attentionMask,
            NDArray responseMask) {
        return fromHidden(model, hidden, inputIds, attentionMask, responseMask, false)[0];
    }

    private NDArray[] fromHidden(CausalLm model, NDArray hidden, NDArray inputIds, NDArray attentionMask,
            NDArray responseMask, boolean meanLogits) {
        Scored s = score(model, hidden, inputIds, attentionMask, responseMask, meanLogits, false);
        return meanLogits ? new NDArray[] {s.logProbs(), s.meanLogits()} : new NDArray[] {s.logProbs()};
    }

    /**
     * The result of {@link #score}: the masked log-probs {@code (B, T)}, the mean logits {@code (B, T)} or null,
     * and, for a two-pass head, the scored columns' unmasked log-probs {@code (B, n)} (a leaf requiring gradient,
     * from which the log-probs are computed with recording) and the first position whose logits they read.
     */
    record Scored(NDArray logProbs, NDArray meanLogits, NDArray scoredColumns, long firstPosition) {}

    /**
     * The masked log-probs from hidden states; with {@code twoPass}, the head runs without gradient recording and
     * the result is recorded only from a leaf of the scored columns' log-probs ({@link RecomputedHead}'s first pass,
     * Eq. H1), whose gradient {@link #backwardScored} later carries through the head.
     */
    Scored score(CausalLm model, NDArray hidden, NDArray inputIds, NDArray attentionMask, NDArray responseMask,
            boolean meanLogits, boolean twoPass) {
        Shape ids = inputIds.getShape();
        if (ids.dimension() != 2) {
            throw new IllegalArgumentException("inputIds must be (B, T), got shape " + ids);
        }
        if (hidden.getShape().dimension() != 3 || hidden.getShape().get(0) != ids.get(0)
                || hidden.getShape().get(1) != ids.get(1)) {
            throw new IllegalArgumentException("hidden must be (B, T, H) with (B, T) = " + ids + ", got shape "
                    + hidden.getShape());
        }
        if (!attentionMask.getShape().equals(ids)) {
            throw new IllegalArgumentException("attentionMask must have the shape of inputIds " + ids + ", got "
                    + attentionMask.getShape());
        }
        if (!responseMask.getShape().equals(ids)) {
            throw new IllegalArgumentException("responseMask must have the shape of inputIds " + ids + ", got "
                    + responseMask.getShape());
        }
        NDManager owner = hidden.getManager();
        long batch = ids.get(0);
        long tokens = ids.get(1);
        NDList columns = new NDList();
        NDList means = new NDList();
        try (NDManager scope = owner.newSubManager()) {
            NDArray mask = scoredTokens(attentionMask, responseMask, hidden.getDevice(), scope); // (B, T)
            long[] range = scoredRange(mask); // columns lo .. hi scored, 1 <= lo, hi <= T - 1
            NDArray before = scope.zeros(new Shape(batch, range[0]), DataType.FLOAT32); // columns 0 .. lo - 1
            columns.add(before);
            means.add(before);
            NDArray labels = ScopedArrays.borrow(inputIds, hidden.getDevice(), DataType.INT64, scope);
            NDList scored = new NDList();
            boolean recording = JniUtils.isGradMode();
            if (twoPass) {
                JniUtils.setGradMode(false);
            }
            try {
                // logits at positions lo - 1 .. hi - 1 score columns lo .. hi
                for (long start = range[0] - 1; start < range[1]; start += chunkSize) {
                    long end = Math.min(range[1], start + chunkSize);
                    NDArray[] c = chunk(model, hidden, labels, start, end, scope, meanLogits);
                    scored.add(c[0]);
                    if (meanLogits) {
                        means.add(c[1]);
                    }
                }
            } finally {
                JniUtils.setGradMode(recording);
            }
            NDArray leaf = null;
            if (twoPass) {
                leaf = scored.isEmpty() ? scope.zeros(new Shape(batch, 0), DataType.FLOAT32) // T = 1: none
                        : NDArrays.concat(scored, 1); // (B, n) scored columns, no graph
                leaf.setRequiresGradient(true);
                leaf.attach(owner);
                columns.add(leaf);
            } else {
                columns.addAll(scored);
            }
            if (range[1] < tokens - 1) {
                NDArray after = scope.zeros(new Shape(batch, tokens - 1 - range[1]), DataType.FLOAT32);
                columns.add(after);
                means.add(after);
            }
            NDArray out = NDArrays.concat(columns, 1).mul(mask); // (B, T)
            out.attach(owner);
            NDArray meanOut = null;
            if (meanLogits) {
                meanOut = NDArrays.concat(means, 1).mul(mask); // (B, T), no gradient
                meanOut.attach(owner);
            }
            return new Scored(out, meanOut, leaf, range[0] - 1);
        }
    }

    /**
     * The second pass of a two-pass head (Eq. H2): for each chunk of the positions {@link #score} read, recomputes
     * the chunk's logits, log-softmax and gather with recording and back-propagates
     * {@code sum(l_chunk * g_chunk)}, adding the head weight's gradient and the chunk's share of
     * {@code dLoss/dhidden} into {@code hidden}'s gradient; only one chunk's {@code (B, c, V)} arrays exist at a
     * time.
     *
     * @param model the causal LM
     * @param hidden {@code (B, T, H)} the hidden states the first pass read, a leaf requiring gradient
     * @param labels {@code (B, T)} int64 token ids
     * @param columnGradient {@code (B, n)} {@code dLoss/dl} of the scored columns
     * @param firstPosition the first position whose logits the first pass read
     * @param collector the open gradient collector
     */
    void backwardScored(CausalLm model, NDArray hidden, NDArray labels, NDArray columnGradient, long firstPosition,
            GradientCollector collector) {
        long positions = columnGradient.getShape().get(1);
        long last = firstPosition + positions; // exclusive
        for (long start = firstPosition; start < last; start += chunkSize) {
            long end = Math.min(last, start + chunkSize);
            try (NDManager scope = hidden.getManager().newSubManager()) {
                NDArray picked = chunk(model, hidden, labels, start, end, scope, false)[0]; // (B, c), recorded
                NDArray g = columnGradient.get(":, " + (start - firstPosition) + ":" + (end - firstPosition));
                g.attach(scope);
                NDArray target = picked.mul(g).sum(); // d target / d picked = g
                target.attach(scope);
                collector.backward(target);
            }
        }
    }

    /**
     * The first and last column holding a scored token in any row, {@code {lo, hi}} with {@code 1 <= lo <= hi}
     * ({@code {1, 1}} when none is scored, so the head still runs on one position; {@code {1, 0}}, no position, when
     * {@code T = 1}); column 0 is never scored.
     */
    private static long[] scoredRange(NDArray mask) {
        float[] perColumn = mask.sum(new int[] {0}).toFloatArray(); // (T) scored tokens per column
        if (perColumn.length < 2) {
            return new long[] {1, 0};
        }
        int lo = -1;
        int hi = -1;
        for (int t = 1; t < perColumn.length; t++) {
            if (perColumn[t] != 0f) {
                if (lo < 0) {
                    lo = t;
                }
                hi = t;
            }
        }
        return lo < 0 ? new long[] {1, 1} : new long[] {lo, hi};
    }

    /**
     * Sums per-token log-probabilities over each sequence: {@code s[b] = sum_t out[b, t]}.
     *
     * @param tokenLogProbs {@code (B, T)} output of {@link #compute} or {@link #fromHidden}
     * @return {@code (B)} sums, owned by the manager of the input
     */
    public static NDArray sequenceSums(NDArray tokenLogProbs) {
        return tokenLogProbs.sum(new int[] {1});
    }

    /** {@code response[t] * attention[t] * attention[t - 1]}, with {@code attention[-1] = 0}; (B, T) float32. */
    private static NDArray scoredTokens(NDArray attentionMask, NDArray responseMask, Device device,
            NDManager scope) {
        NDArray attention = ScopedArrays.borrow(attentionMask, device, DataType.FLOAT32, scope);
        NDArray response = ScopedArrays.borrow(responseMask, device, DataType.FLOAT32, scope);
        long batch = attention.getShape().get(0);
        NDArray previous = NDArrays.concat(new NDList(scope.zeros(new Shape(batch, 1), DataType.FLOAT32),
                attention.get(":, :-1")), 1); // attention[t - 1]
        return response.mul(attention).mul(previous);
    }

    /**
     * Log-probabilities of labels[:, start+1 .. end] from hidden[:, start .. end-1], (B, end - start), and when asked
     * the detached vocabulary mean of the same logits, (B, end - start).
     */
    private static NDArray[] chunk(CausalLm model, NDArray hidden, NDArray labels, long start, long end,
            NDManager owner, boolean meanLogits) {
        try (NDManager scope = owner.newSubManager()) {
            NDArray h = hidden.get(":, " + start + ":" + end + ", :"); // (B, c, H)
            h.attach(scope);
            NDArray logits = model.logits(h); // (B, c, V)
            logits.attach(scope);
            NDArray next = labels.get(":, " + (start + 1) + ":" + (end + 1)).expandDims(-1); // (B, c, 1)
            next.attach(scope);
            NDArray picked = logits.logSoftmax(-1).gather(next, -1).squeeze(-1); // (B, c)
            picked.attach(owner);
            if (!meanLogits) {
                return new NDArray[] {picked};
            }
            NDArray mean = logits.stopGradient().mean(new int[] {-1}); // (B, c)
            mean.attach(owner);
            return new NDArray[] {picked, mean};
        }
    }
}
