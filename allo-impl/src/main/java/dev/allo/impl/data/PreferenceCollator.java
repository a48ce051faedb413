package dev.allo.impl.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.data.PaddingSide;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.SequenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.tokenizer.Tokenizer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Pads tokenised pairs into a {@link PreferenceBatch} on the manager's device.
 *
 * <p>Dynamic padding: {@code T} is the longest {@code prompt ++ response} sequence of the batch (chosen and rejected
 * alike), rounded up to a multiple of {@code padToMultipleOf}. Row {@code b} of the chosen side holds
 * {@code promptIds ++ chosenIds} and PAD elsewhere, on the left ({@code [PAD.., prompt, response]}) or the right
 * ({@code [prompt, response, ..PAD]}); the attention mask is 1 on the real tokens, the response mask and the weights
 * are set on the response tokens only. The arrays are built on the host in one pass and copied to the device once per
 * array.
 */
public final class PreferenceCollator {

    private final PaddingSide side;
    private final int padToMultipleOf;
    private final int padId;

    /**
     * Creates a collator.
     *
     * @param side where padding goes
     * @param padToMultipleOf {@code T} is rounded up to a multiple of this; at least 1
     * @param padId the id written into padding positions (masked out, so any valid id works)
     * @throws IllegalArgumentException if {@code padToMultipleOf < 1} or {@code padId < 0}
     */
    public PreferenceCollator(PaddingSide side, int padToMultipleOf, int padId) {
        this.side = Objects.requireNonNull(side, "side");
        if (padToMultipleOf < 1) {
            throw new IllegalArgumentException("padToMultipleOf must be >= 1, got " + padToMultipleOf);
        }
        if (padId < 0) {
            throw new IllegalArgumentException("padId must be >= 0, got " + padId);
        }
        this.padToMultipleOf = padToMultipleOf;
        this.padId = padId;
    }

    /**
     * The id to pad with for a tokenizer: its PAD, else its EOS, else 0 (padding is masked, so this only needs to be
     * a valid id).
     *
     * @param tokenizer the tokenizer
     * @return the id
     */
    public static int padIdFor(Tokenizer tokenizer) {
        return tokenizer.padId().orElse(tokenizer.eosId().orElse(0));
    }

    /**
     * Pads and stacks pairs.
     *
     * @param pairs the pairs, one per row; not empty
     * @param manager owns the arrays, which live on {@code manager.getDevice()}
     * @return the batch; closing it (or the manager) frees the arrays
     */
    public PreferenceBatch collate(List<TokenizedPair> pairs, NDManager manager) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cannot collate an empty list of pairs");
        }
        int longest = 0;
        for (TokenizedPair p : pairs) {
            longest = Math.max(longest, p.maxLength());
        }
        int t = (longest + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf;
        long[] indices = new long[pairs.size()];
        for (int b = 0; b < indices.length; b++) {
            indices[b] = pairs.get(b).index();
        }
        SequenceBatch chosen = side(pairs, t, true, manager);
        SequenceBatch rejected = side(pairs, t, false, manager);
        return new PreferenceBatch(chosen, rejected, indices, side);
    }

    private SequenceBatch side(List<TokenizedPair> pairs, int t, boolean chosenSide, NDManager manager) {
        int rows = pairs.size();
        long[] ids = new long[rows * t];
        long[] attention = new long[rows * t];
        float[] response = new float[rows * t];
        float[] weights = new float[rows * t];
        java.util.Arrays.fill(ids, padId);
        for (int b = 0; b < rows; b++) {
            TokenizedPair p = pairs.get(b);
            int[] prompt = p.promptIds();
            int[] resp = chosenSide ? p.chosenIds() : p.rejectedIds();
            float[] w = chosenSide ? p.chosenWeights() : p.rejectedWeights();
            int len = prompt.length + resp.length;
            int start = b * t + (side == PaddingSide.LEFT ? t - len : 0);
            for (int k = 0; k < prompt.length; k++) {
                ids[start + k] = prompt[k];
                attention[start + k] = 1;
            }
            int r0 = start + prompt.length;
            for (int k = 0; k < resp.length; k++) {
                ids[r0 + k] = resp[k];
                attention[r0 + k] = 1;
                response[r0 + k] = 1f;
                weights[r0 + k] = w[k];
            }
        }
        Shape shape = new Shape(rows, t);
        NDArray idArray = manager.create(LongBuffer.wrap(ids), shape); // (B, T) int64
        NDArray maskArray = manager.create(LongBuffer.wrap(attention), shape); // (B, T) int64
        NDArray responseArray = manager.create(FloatBuffer.wrap(response), shape); // (B, T) float32
        NDArray weightArray = manager.create(FloatBuffer.wrap(weights), shape); // (B, T) float32
        return new SequenceBatch(idArray, maskArray, responseArray, weightArray);
    }
}
