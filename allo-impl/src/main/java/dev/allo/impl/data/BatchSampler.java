package dev.allo.impl.data;

import dev.allo.data.BatchConfig;
import dev.allo.data.BatchPosition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Decides which pairs go into which batch, epoch by epoch, reproducibly from {@link BatchConfig#seed()}.
 *
 * <p>Each epoch's order depends only on the seed, the epoch number, the pair lengths and the config, so any
 * {@link BatchPosition} can be resumed exactly. The generator is {@link Random} (its algorithm is fixed by the Java
 * specification) seeded with a SplitMix64 mix of seed and epoch; shuffles are Fisher-Yates. Without shuffling the
 * order is 0, 1, 2, ... For bucketing see {@link BatchConfig}.
 */
public final class BatchSampler {

    private final int[] lengths;
    private final BatchConfig config;
    private int cachedEpoch = -1;
    private List<int[]> cachedBatches;

    /**
     * Creates a sampler.
     *
     * @param lengths each pair's length (for bucketing; see {@code TokenizedPair.maxLength()})
     * @param config batch size, shuffling and bucketing
     * @throws IllegalArgumentException if there are no pairs
     */
    public BatchSampler(int[] lengths, BatchConfig config) {
        if (lengths.length == 0) {
            throw new IllegalArgumentException("cannot sample batches from 0 pairs");
        }
        this.lengths = lengths.clone();
        this.config = config;
    }

    /**
     * The number of batches per epoch.
     *
     * @return {@code ceil(n / batchSize)}, or {@code floor} with {@code dropLast}
     */
    public int batchesPerEpoch() {
        int n = lengths.length;
        int b = config.batchSize();
        return config.dropLast() ? n / b : (n + b - 1) / b;
    }

    /**
     * The pair positions (0-based, into the list the lengths came from) of one batch.
     *
     * @param position the epoch and batch
     * @return the positions, in row order
     * @throws IllegalArgumentException if the batch index is not below {@link #batchesPerEpoch()}
     */
    public int[] batch(BatchPosition position) {
        if (position.batch() >= batchesPerEpoch()) {
            throw new IllegalArgumentException("batch must be < batchesPerEpoch=" + batchesPerEpoch() + ", got "
                    + position.batch());
        }
        return epoch(position.epoch()).get(position.batch()).clone();
    }

    /**
     * All batches of an epoch.
     *
     * @param epoch the epoch
     * @return the batches, each an array of pair positions
     */
    public synchronized List<int[]> epoch(int epoch) {
        if (epoch != cachedEpoch) {
            cachedBatches = List.copyOf(build(epoch));
            cachedEpoch = epoch;
        }
        return cachedBatches;
    }

    private List<int[]> build(int epoch) {
        int n = lengths.length;
        int b = config.batchSize();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random rng = new Random(mix(config.seed(), epoch));
        if (config.shuffle()) {
            shuffle(order, rng);
        }
        List<int[]> batches = new ArrayList<>();
        if (config.bucketByLength()) {
            int window = (int) Math.min((long) b * config.bucketWindow(), n);
            for (int from = 0; from < n; from += window) {
                Integer[] w = new Integer[Math.min(window, n - from)];
                for (int k = 0; k < w.length; k++) {
                    w[k] = order[from + k];
                }
                // Longest first; ties by position so the sort is deterministic.
                Arrays.sort(w, Comparator.<Integer>comparingInt(i -> -lengths[i]).thenComparingInt(i -> i));
                for (int k = 0; k < w.length; k += b) {
                    int[] batch = new int[Math.min(b, w.length - k)];
                    for (int r = 0; r < batch.length; r++) {
                        batch[r] = w[k + r];
                    }
                    batches.add(batch);
                }
            }
            // Only the last window can end in a short batch.
            if (config.dropLast() && batches.get(batches.size() - 1).length < b) {
                batches.remove(batches.size() - 1);
            }
            if (config.shuffle()) {
                for (int i = batches.size() - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int[] t = batches.get(i);
                    batches.set(i, batches.get(j));
                    batches.set(j, t);
                }
            }
        } else {
            for (int from = 0; from < n; from += b) {
                int size = Math.min(b, n - from);
                if (size < b && config.dropLast()) {
                    break;
                }
                batches.add(Arrays.copyOfRange(order, from, from + size));
            }
        }
        return batches;
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    // SplitMix64 finaliser over (seed, epoch): nearby seeds and epochs give unrelated streams.
    private static long mix(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
