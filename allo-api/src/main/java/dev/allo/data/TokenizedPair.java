package dev.allo.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A preference pair as token ids, ready for batching, with per-token weights for both responses.
 *
 * <p>Layout: {@code promptIds} starts with BOS (when the tokenizer has one); {@code chosenIds} and
 * {@code rejectedIds} end with EOS (when the tokenizer has one and the response was not truncated); the sequences fed
 * to the model are {@code promptIds ++ chosenIds} and {@code promptIds ++ rejectedIds}. {@code referenceIds}, when
 * present, is the reference solution encoded like a response (tokens + EOS, never truncated); it is used by token
 * scorers, never trained on.
 *
 * <p>Weights: {@code chosenWeights[j]} and {@code rejectedWeights[j]} weight response token {@code j}; they are in
 * {@code [0, 1]} (the forgetting stage's {@code r_j}, Eq. 5) and all ones until a {@link dev.allo.scorer.TokenScorer}
 * sets them.
 *
 * <p>Immutable: arrays are copied in and out.
 *
 * @param index the pair's 0-based position in its source, kept for reports, caches and resumable ordering
 * @param source the example the ids came from (token scorers such as the rewriting model need its text)
 * @param promptIds the prompt ids; not empty
 * @param chosenIds the chosen response ids; not empty
 * @param rejectedIds the rejected response ids; not empty
 * @param referenceIds the reference solution ids, if the example has a reference
 * @param chosenWeights one weight per chosen token
 * @param rejectedWeights one weight per rejected token
 */
public record TokenizedPair(
        long index,
        PreferenceExample source,
        int[] promptIds,
        int[] chosenIds,
        int[] rejectedIds,
        Optional<int[]> referenceIds,
        float[] chosenWeights,
        float[] rejectedWeights) {

    /**
     * Validates lengths and weights and copies the arrays.
     *
     * @throws IllegalArgumentException naming the array and the violated constraint
     */
    public TokenizedPair {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        Objects.requireNonNull(source, "source");
        promptIds = nonEmpty("promptIds", promptIds).clone();
        chosenIds = nonEmpty("chosenIds", chosenIds).clone();
        rejectedIds = nonEmpty("rejectedIds", rejectedIds).clone();
        Objects.requireNonNull(referenceIds, "referenceIds (use Optional.empty())");
        referenceIds = referenceIds.map(int[]::clone);
        chosenWeights = weights("chosenWeights", chosenWeights, chosenIds.length).clone();
        rejectedWeights = weights("rejectedWeights", rejectedWeights, rejectedIds.length).clone();
    }

    /**
     * A pair with all weights one.
     *
     * @param index the position in the source
     * @param source the example
     * @param promptIds the prompt ids
     * @param chosenIds the chosen ids
     * @param rejectedIds the rejected ids
     * @param referenceIds the reference ids, if any
     * @return the pair
     */
    public static TokenizedPair unweighted(long index, PreferenceExample source, int[] promptIds, int[] chosenIds,
            int[] rejectedIds, Optional<int[]> referenceIds) {
        float[] cw = new float[chosenIds.length];
        float[] rw = new float[rejectedIds.length];
        Arrays.fill(cw, 1f);
        Arrays.fill(rw, 1f);
        return new TokenizedPair(index, source, promptIds, chosenIds, rejectedIds, referenceIds, cw, rw);
    }

    /**
     * A copy with new weights.
     *
     * @param newChosenWeights one weight per chosen token
     * @param newRejectedWeights one weight per rejected token
     * @return the copy
     */
    public TokenizedPair withWeights(float[] newChosenWeights, float[] newRejectedWeights) {
        return new TokenizedPair(index, source, promptIds, chosenIds, rejectedIds, referenceIds, newChosenWeights,
                newRejectedWeights);
    }

    /**
     * The prompt ids, starting with BOS when the tokenizer has one.
     *
     * @return a copy of the prompt ids
     */
    @Override
    public int[] promptIds() {
        return promptIds.clone();
    }

    /**
     * The chosen response ids, ending with EOS unless truncated.
     *
     * @return a copy of the chosen ids
     */
    @Override
    public int[] chosenIds() {
        return chosenIds.clone();
    }

    /**
     * The rejected response ids, ending with EOS unless truncated.
     *
     * @return a copy of the rejected ids
     */
    @Override
    public int[] rejectedIds() {
        return rejectedIds.clone();
    }

    /**
     * The reference solution ids (tokens + EOS, never truncated), used only by token scorers.
     *
     * @return a copy of the reference ids, or empty when the example has no reference
     */
    @Override
    public Optional<int[]> referenceIds() {
        return referenceIds.map(int[]::clone);
    }

    /**
     * The per-token weights of the chosen response, each in {@code [0, 1]}.
     *
     * @return a copy of the weights, one per chosen token
     */
    @Override
    public float[] chosenWeights() {
        return chosenWeights.clone();
    }

    /**
     * The per-token weights of the rejected response, each in {@code [0, 1]}: the forgetting stage's
     * {@code r_j} (Eq. 5) once a token scorer has set them, else all ones.
     *
     * @return a copy of the weights, one per rejected token
     */
    @Override
    public float[] rejectedWeights() {
        return rejectedWeights.clone();
    }

    /**
     * Prompt length plus chosen length.
     *
     * @return the chosen sequence's length
     */
    public int chosenLength() {
        return promptIds.length + chosenIds.length;
    }

    /**
     * Prompt length plus rejected length.
     *
     * @return the rejected sequence's length
     */
    public int rejectedLength() {
        return promptIds.length + rejectedIds.length;
    }

    /**
     * The longer of the two sequences, used for length bucketing and padding.
     *
     * @return {@code max(chosenLength(), rejectedLength())}
     */
    public int maxLength() {
        return Math.max(chosenLength(), rejectedLength());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TokenizedPair p)) {
            return false;
        }
        return index == p.index && source.equals(p.source) && Arrays.equals(promptIds, p.promptIds)
                && Arrays.equals(chosenIds, p.chosenIds) && Arrays.equals(rejectedIds, p.rejectedIds)
                && referenceIds.isPresent() == p.referenceIds.isPresent()
                && (referenceIds.isEmpty() || Arrays.equals(referenceIds.get(), p.referenceIds.get()))
                && Arrays.equals(chosenWeights, p.chosenWeights) && Arrays.equals(rejectedWeights, p.rejectedWeights);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(index);
        h = 31 * h + Arrays.hashCode(promptIds);
        h = 31 * h + Arrays.hashCode(chosenIds);
        h = 31 * h + Arrays.hashCode(rejectedIds);
        h = 31 * h + referenceIds.map(Arrays::hashCode).orElse(0);
        h = 31 * h + Arrays.hashCode(chosenWeights);
        return 31 * h + Arrays.hashCode(rejectedWeights);
    }

    @Override
    public String toString() {
        return "TokenizedPair[index=" + index + ", prompt=" + promptIds.length + " ids, chosen=" + chosenIds.length
                + " ids, rejected=" + rejectedIds.length + " ids, reference="
                + referenceIds.map(r -> r.length + " ids").orElse("none") + "]";
    }

    private static int[] nonEmpty(String name, int[] ids) {
        Objects.requireNonNull(ids, name);
        if (ids.length == 0) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return ids;
    }

    private static float[] weights(String name, float[] w, int expectedLength) {
        Objects.requireNonNull(w, name);
        if (w.length != expectedLength) {
            throw new IllegalArgumentException(name + " must have one weight per token (" + expectedLength
                    + "), got " + w.length);
        }
        for (int j = 0; j < w.length; j++) {
            if (!(w[j] >= 0f && w[j] <= 1f)) {
                throw new IllegalArgumentException(name + "[" + j + "] must be in [0, 1], got " + w[j]);
            }
        }
        return w;
    }
}
