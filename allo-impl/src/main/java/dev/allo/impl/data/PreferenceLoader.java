package dev.allo.impl.data;

import ai.djl.ndarray.NDManager;
import dev.allo.data.BatchConfig;
import dev.allo.data.BatchPosition;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.TokenizedPair;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves the batches of an in-memory list of tokenised pairs in the seeded, resumable order of a
 * {@link BatchSampler}, padded by a {@link PreferenceCollator}.
 *
 * <pre>{@code
 * PreferenceLoader loader = new PreferenceLoader(pairs, BatchConfig.of(8), padId);
 * for (BatchPosition pos = resumeFrom; pos.epoch() < epochs; pos = pos.next(loader.batchesPerEpoch())) {
 *     try (NDManager step = base.newSubManager()) {
 *         PreferenceBatch batch = loader.batch(pos, step);
 *         ...
 *     }
 * }
 * }</pre>
 */
public final class PreferenceLoader {

    private final List<TokenizedPair> pairs;
    private final BatchSampler sampler;
    private final PreferenceCollator collator;

    /**
     * Creates a loader.
     *
     * @param pairs the pairs (not copied deeply; the list is copied)
     * @param config batch size, padding, ordering
     * @param padId the padding id (see {@link PreferenceCollator#padIdFor})
     */
    public PreferenceLoader(List<TokenizedPair> pairs, BatchConfig config, int padId) {
        this.pairs = List.copyOf(pairs);
        int[] lengths = new int[this.pairs.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = this.pairs.get(i).maxLength();
        }
        this.sampler = new BatchSampler(lengths, config);
        this.collator = new PreferenceCollator(config.paddingSide(), config.padToMultipleOf(), padId);
    }

    /**
     * The number of batches per epoch.
     *
     * @return the count
     */
    public int batchesPerEpoch() {
        return sampler.batchesPerEpoch();
    }

    /**
     * The pairs of one batch, in row order.
     *
     * @param position the epoch and batch
     * @return the pairs
     */
    public List<TokenizedPair> pairs(BatchPosition position) {
        int[] rows = sampler.batch(position);
        List<TokenizedPair> out = new ArrayList<>(rows.length);
        for (int r : rows) {
            out.add(pairs.get(r));
        }
        return out;
    }

    /**
     * The padded batch at a position.
     *
     * @param position the epoch and batch
     * @param manager owns the arrays (on its device)
     * @return the batch
     */
    public PreferenceBatch batch(BatchPosition position, NDManager manager) {
        return collator.collate(pairs(position), manager);
    }
}
