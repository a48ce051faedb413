package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.data.PaddingSide;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.model.CausalLm;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The frozen reference model's per-token log-probabilities {@code lref(y_j) = log P_ref(y_j | x, y_<j)} of every
 * response token of every pair (the {@code P_ref} of ALLO's Eqs. (2) and (6)-(9), arXiv 2406.12606), computed
 * once per stage and kept on the host, so that a
 * training step needs no reference forward pass and the reference model can be closed before training.
 *
 * <p>Stored per pair (by {@link TokenizedPair#index()}): one float per chosen and one per rejected response token,
 * in token order. {@link #side} lays them out on the token grid of a collated batch, whatever its padding.
 *
 * <p>Immutable. {@link ReferenceCache} stores these on disk under a fingerprint of pairs, weights and tokenizer.
 */
public final class ReferenceLogProbs {

    /** Where the values came from. */
    public enum Origin {
        /** Computed by a forward pass of the reference model. */
        COMPUTED,
        /** Read from a cache file. */
        LOADED
    }

    private final String fingerprint;
    private final Map<Long, float[]> chosen;
    private final Map<Long, float[]> rejected;
    private final Origin origin;

    ReferenceLogProbs(String fingerprint, Map<Long, float[]> chosen, Map<Long, float[]> rejected, Origin origin) {
        this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
        this.chosen = Collections.unmodifiableMap(new LinkedHashMap<>(chosen));
        this.rejected = Collections.unmodifiableMap(new LinkedHashMap<>(rejected));
        this.origin = origin;
    }

    /**
     * Log-probs computed elsewhere (for example by a distributed job), to be stored with {@link ReferenceCache#save}
     * under the fingerprint the pipeline will look up.
     *
     * @param fingerprint the fingerprint ({@link ReferenceCache#fingerprint}) of the pairs and model they belong to
     * @param chosen pair index to one log-prob per chosen response token
     * @param rejected pair index to one log-prob per rejected response token; the same indices as {@code chosen}
     * @return the log-probs, with origin {@link Origin#LOADED}
     * @throws IllegalArgumentException if the two maps cover different pairs
     */
    public static ReferenceLogProbs of(String fingerprint, Map<Long, float[]> chosen, Map<Long, float[]> rejected) {
        if (!chosen.keySet().equals(rejected.keySet())) {
            throw new IllegalArgumentException("chosen and rejected log-probs must cover the same pairs, got "
                    + chosen.size() + " chosen and " + rejected.size() + " rejected");
        }
        Map<Long, float[]> r = new LinkedHashMap<>();
        chosen.keySet().forEach(i -> r.put(i, rejected.get(i)));
        return new ReferenceLogProbs(fingerprint, chosen, r, Origin.LOADED);
    }

    /**
     * Runs the reference model over every pair, without gradient, {@code batchSize} pairs per forward pass (chosen
     * and rejected as one {@code 2B} batch, right-padded), and keeps the response tokens' log-probs.
     *
     * @param reference the frozen reference model; not modified
     * @param pairs the pairs; their indices must be distinct
     * @param batchSize pairs per forward pass, at least 1
     * @param logProbs how to compute per-token log-probs (chunked or not)
     * @param padId the id written into padding positions
     * @param fingerprint the identity of these values (see {@link ReferenceCache#fingerprint}); any label is fine
     *     for values that are never cached
     * @return the log-probs
     * @throws IllegalArgumentException if there are no pairs, two pairs share an index, or {@code batchSize < 1}
     */
    public static ReferenceLogProbs compute(CausalLm reference, List<TokenizedPair> pairs, int batchSize,
            TokenLogProbs logProbs, int padId, String fingerprint) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cannot compute reference log-probs of 0 pairs");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        PreferenceCollator collator = new PreferenceCollator(PaddingSide.RIGHT, 1, padId);
        Map<Long, float[]> chosen = new LinkedHashMap<>();
        Map<Long, float[]> rejected = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager(reference.device())) {
            for (int from = 0; from < pairs.size(); from += batchSize) {
                List<TokenizedPair> rows = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
                try (NDScope scope = new NDScope(); PreferenceBatch batch = collator.collate(rows, manager)) {
                    scope.suppressNotUsedWarning();
                    NDArray[] sides = PolicyForward.logProbs(reference, logProbs, batch.chosen(), batch.rejected(),
                            false);
                    float[][] c = responses(sides[0].stopGradient(), batch.chosen().responseMask(), rows, true);
                    float[][] r = responses(sides[1].stopGradient(), batch.rejected().responseMask(), rows, false);
                    for (int b = 0; b < rows.size(); b++) {
                        long index = rows.get(b).index();
                        if (chosen.put(index, c[b]) != null) {
                            throw new IllegalArgumentException("two pairs share index " + index
                                    + "; reference log-probs are stored by pair index");
                        }
                        rejected.put(index, r[b]);
                    }
                }
            }
        }
        return new ReferenceLogProbs(fingerprint, chosen, rejected, Origin.COMPUTED);
    }

    /** Reads the response positions of each row of a {@code (B, T)} log-prob array, in token order. */
    private static float[][] responses(NDArray tokenLogProbs, NDArray responseMask, List<TokenizedPair> rows,
            boolean chosenSide) {
        float[] values = tokenLogProbs.toType(DataType.FLOAT32, false).toFloatArray();
        float[] mask = responseMask.toType(DataType.FLOAT32, false).toFloatArray();
        int t = (int) responseMask.getShape().get(1);
        float[][] out = new float[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            TokenizedPair p = rows.get(b);
            float[] row = new float[chosenSide ? p.chosenIds().length : p.rejectedIds().length];
            int k = 0;
            for (int i = b * t; i < (b + 1) * t; i++) {
                if (mask[i] != 0f) {
                    row[k++] = values[i];
                }
            }
            out[b] = row;
        }
        return out;
    }

    /**
     * The reference log-probs of one side of a collated batch, on its token grid: {@code out[b, t]} is the reference
     * log-prob of the response token at column {@code t} of row {@code b}, and 0 at prompt and padding columns.
     *
     * @param rows the batch's pairs, in row order
     * @param responseMask {@code (B, T)} the side's response mask, as collated for {@code rows}
     * @param chosenSide whether this is the chosen side
     * @return {@code (B, T)} float32, on the mask's device and in its manager
     * @throws IllegalArgumentException if a pair is unknown or its response length does not match the mask
     */
    public NDArray side(List<TokenizedPair> rows, NDArray responseMask, boolean chosenSide) {
        Shape shape = responseMask.getShape();
        int t = (int) shape.get(1);
        float[] mask = responseMask.toType(DataType.FLOAT32, false).toFloatArray();
        float[] out = new float[mask.length];
        for (int b = 0; b < rows.size(); b++) {
            long index = rows.get(b).index();
            float[] values = (chosenSide ? chosen : rejected).get(index);
            if (values == null) {
                throw new IllegalArgumentException("no reference log-probs for pair " + index + " (fingerprint "
                        + fingerprint + "); compute them for the same pairs as the stage trains on");
            }
            int k = 0;
            for (int i = b * t; i < (b + 1) * t; i++) {
                if (mask[i] != 0f) {
                    if (k == values.length) {
                        throw new IllegalArgumentException("pair " + index + " has more " + sideName(chosenSide)
                                + " response tokens than its reference log-probs (" + values.length + ")");
                    }
                    out[i] = values[k++];
                }
            }
            if (k != values.length) {
                throw new IllegalArgumentException("pair " + index + " has " + k + " " + sideName(chosenSide)
                        + " response tokens in the batch but " + values.length + " reference log-probs");
            }
        }
        return responseMask.getManager().create(FloatBuffer.wrap(out), shape); // (B, T)
    }

    private static String sideName(boolean chosenSide) {
        return chosenSide ? "chosen" : "rejected";
    }

    /**
     * The chosen response's reference log-probs of one pair.
     *
     * @param index the pair's index
     * @return a copy, one value per chosen response token
     * @throws IllegalArgumentException if the pair is unknown
     */
    public float[] chosen(long index) {
        return lookup(chosen, index).clone();
    }

    /**
     * The rejected response's reference log-probs of one pair.
     *
     * @param index the pair's index
     * @return a copy, one value per rejected response token
     * @throws IllegalArgumentException if the pair is unknown
     */
    public float[] rejected(long index) {
        return lookup(rejected, index).clone();
    }

    private float[] lookup(Map<Long, float[]> side, long index) {
        float[] v = side.get(index);
        if (v == null) {
            throw new IllegalArgumentException("no reference log-probs for pair " + index);
        }
        return v;
    }

    /**
     * The pair indices covered, in computation order.
     *
     * @return the indices
     */
    public List<Long> indices() {
        return List.copyOf(chosen.keySet());
    }

    /**
     * The fingerprint these values were computed (or cached) under.
     *
     * @return 64 hex digits, or the label given to {@link #compute}
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Whether these values were computed or read from a cache file.
     *
     * @return the origin
     */
    public Origin origin() {
        return origin;
    }

    /** The per-pair chosen values (shared, read-only), for the cache file writer. */
    Map<Long, float[]> chosenMap() {
        return chosen;
    }

    /** The per-pair rejected values (shared, read-only), for the cache file writer. */
    Map<Long, float[]> rejectedMap() {
        return rejected;
    }

    @Override
    public String toString() {
        return "ReferenceLogProbs[" + chosen.size() + " pairs, " + origin + ", fingerprint " + fingerprint + "]";
    }
}
