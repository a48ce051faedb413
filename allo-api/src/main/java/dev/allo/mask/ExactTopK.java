package dev.allo.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Exact top-k over several score tensors without sorting them: finds the k-th largest value {@code T}, then selects
 * every scalar above {@code T} and the first {@code k - count(> T)} scalars equal to {@code T} in (tensor order, flat
 * index) order, which is the tie rule of {@link MaskSelector}.
 *
 * <p>Finding {@code T}: a random sample of the scores gives a bracket {@code [lo, hi]} around the k-th largest value
 * with {@code count(> hi) < k <= count(>= lo)}. One streaming pass verifies the bracket (widening it to infinity if
 * the sample was unlucky, so the result never depends on the sample), checks for NaN, and collects the few values
 * inside it; while the bracket holds too many values (heavy ties) it is halved by bisection on the float order.
 * {@code T} is then the right order statistic of the collected values, and a second pass picks the indices.
 *
 * <p>Passes stream the scores to the host in chunks of {@link Limits#chunk()} scalars (one device copy per chunk,
 * then a tight loop over a {@code float[]}): selection runs once per stage, and a handful of large copies is far
 * cheaper and steadier on a shared CPU than hundreds of small device ops. Host memory stays at one chunk plus the
 * candidates plus the selected indices.
 *
 * <p>For last-k ({@code largest == false}) every score is negated as it is read. {@code -0.0} is read as
 * {@code 0.0}, so the two tie.
 */
final class ExactTopK {
    private static final long SAMPLE_SEED = 0x5EEDL;

    /**
     * Work sizes: scalars per streamed chunk, sample size, and the most candidates kept on the host. Only speed and
     * memory depend on them, never the result; tests shrink them to exercise every branch on tiny tensors.
     */
    record Limits(long chunk, int sample, int candidates) {
        static final Limits DEFAULT = new Limits(1 << 22, 1 << 17, 1 << 22);
    }

    /** Visits one oriented score: tensor position, flat index, value. */
    private interface Visitor {
        void accept(int tensor, int index, float value);
    }

    private ExactTopK() {}

    static List<int[]> select(List<String> names, List<NDArray> flats, long k, boolean largest) {
        return select(names, flats, k, largest, Limits.DEFAULT);
    }

    /**
     * Selects the top k over the concatenation of {@code flats}.
     *
     * @param names the tensors' names, for errors
     * @param flats 1-D float32 score arrays, in tensor order
     * @param k how many to select, in {@code [0, sum of sizes]}
     * @param largest true for the largest scores, false for the smallest
     * @param limits work sizes
     * @return per tensor the selected sorted flat indices, or {@code null} for "every element"
     * @throws IllegalArgumentException if a score is NaN, naming the tensor
     */
    static List<int[]> select(List<String> names, List<NDArray> flats, long k, boolean largest, Limits limits) {
        long n = flats.stream().mapToLong(NDArray::size).sum();
        float lo = Float.NEGATIVE_INFINITY;
        float hi = Float.POSITIVE_INFINITY;
        if (k > 0 && k < n && n > limits.candidates()) {
            float[] bracket = sampleBracket(flats, n, k, largest, limits.sample());
            lo = bracket[0];
            hi = bracket[1];
        }
        Scan scan = scan(names, flats, lo, hi, largest, limits); // also rejects NaN
        if (k >= n || k == 0) {
            List<int[]> out = new ArrayList<>();
            flats.forEach(f -> out.add(k == 0 && f.size() > 0 ? new int[0] : null));
            return out;
        }
        if (scan.above >= k) { // the sample put hi too low
            hi = Float.POSITIVE_INFINITY;
            scan = scan(names, flats, lo, hi, largest, limits);
        }
        if (scan.above + scan.inside < k) { // ... or lo too high
            lo = Float.NEGATIVE_INFINITY;
            scan = scan(names, flats, lo, hi, largest, limits);
        }
        // Invariant: count(> hi) = scan.above < k <= count(>= lo) = scan.above + scan.inside.
        while (scan.candidates == null && lo < hi) {
            int loKey = key(lo);
            float mid = fromKey(loKey + (int) ((((long) key(hi)) - loKey + 1) / 2));
            Scan upper = scan(names, flats, mid, hi, largest, limits); // counts [mid, hi] and above hi
            if (upper.above + upper.inside >= k) {
                lo = mid;
                scan = upper;
            } else {
                hi = Math.nextDown(mid); // count(> hi) == count(>= mid), also for mid = +-0.0
                scan = scan(names, flats, lo, hi, largest, limits);
            }
        }
        long r = k - scan.above; // T is the r-th largest value in [lo, hi]
        if (scan.candidates == null) {
            return pick(flats, lo, k - scan.above, largest, limits); // lo == hi: every value in [lo, hi] equals T
        }
        float[] c = scan.candidates;
        Arrays.sort(c);
        float threshold = c[(int) (c.length - r)];
        long aboveThreshold = scan.above;
        for (int i = c.length - 1; i >= 0 && c[i] > threshold; i--) {
            aboveThreshold++;
        }
        return pick(flats, threshold, k - aboveThreshold, largest, limits);
    }

    /** What one pass over the bracket [lo, hi] found. */
    private static final class Scan {
        long above;
        long inside;
        float[] candidates; // the values in [lo, hi], or null when there were more than the limit
    }

    private static Scan scan(List<String> names, List<NDArray> flats, float lo, float hi, boolean largest,
            Limits limits) {
        Scan s = new Scan();
        float[][] kept = {new float[Math.min(1024, limits.candidates())]};
        stream(flats, largest, limits.chunk(), (t, i, x) -> {
            if (x != x) {
                throw new IllegalArgumentException("importance scores of tensor '" + names.get(t)
                        + "' contain NaN; every score must be a number");
            }
            if (x > hi) {
                s.above++;
            } else if (x >= lo) {
                if (s.inside < limits.candidates()) {
                    if (s.inside == kept[0].length) {
                        kept[0] = Arrays.copyOf(kept[0], (int) Math.min(2L * kept[0].length, limits.candidates()));
                    }
                    kept[0][(int) s.inside] = x;
                }
                s.inside++;
            }
        });
        s.candidates = s.inside <= limits.candidates() ? Arrays.copyOf(kept[0], (int) s.inside) : null;
        return s;
    }

    /** Everything above the threshold, plus the first {@code ties} scalars equal to it in (tensor, index) order. */
    private static List<int[]> pick(List<NDArray> flats, float threshold, long ties, boolean largest, Limits limits) {
        long[] taken = {0};
        int[][] out = new int[flats.size()][];
        int[] filled = new int[flats.size()];
        stream(flats, largest, limits.chunk(), (t, i, x) -> {
            if (x > threshold || (x == threshold && taken[0] < ties)) {
                if (x == threshold) {
                    taken[0]++;
                }
                int[] buf = out[t];
                if (buf == null || filled[t] == buf.length) {
                    int grown = buf == null ? 64 : (int) Math.min(2L * buf.length, flats.get(t).size());
                    out[t] = buf = buf == null ? new int[grown] : Arrays.copyOf(buf, grown);
                }
                buf[filled[t]++] = i;
            }
        });
        List<int[]> result = new ArrayList<>();
        for (int t = 0; t < flats.size(); t++) {
            long size = flats.get(t).size();
            if (filled[t] == size && size > 0) {
                result.add(null);
            } else {
                result.add(out[t] == null ? new int[0] : Arrays.copyOf(out[t], filled[t]));
            }
        }
        return result;
    }

    /** Streams every score to the host, chunk by chunk, in (tensor, index) order, oriented and with -0.0 as 0.0. */
    private static void stream(List<NDArray> flats, boolean largest, long chunk, Visitor visitor) {
        for (int t = 0; t < flats.size(); t++) {
            NDArray flat = flats.get(t);
            for (long from = 0; from < flat.size(); from += chunk) {
                long to = Math.min(flat.size(), from + chunk);
                float[] values;
                try (NDScope scope = new NDScope()) {
                    values = flat.get(new NDIndex(from + ":" + to)).toFloatArray(); // (<= chunk) copied to the host
                    scope.suppressNotUsedWarning();
                }
                for (int j = 0; j < values.length; j++) {
                    visitor.accept(t, (int) (from + j), (largest ? values[j] : -values[j]) + 0.0f);
                }
            }
        }
    }

    /** A bracket {@code [lo, hi]} around the k-th largest value from a uniform sample (with replacement). */
    private static float[] sampleBracket(List<NDArray> flats, long n, long k, boolean largest, int size) {
        SplittableRandom random = new SplittableRandom(SAMPLE_SEED);
        long[] positions = new long[size];
        for (int i = 0; i < size; i++) {
            positions[i] = random.nextLong(n);
        }
        Arrays.sort(positions);
        float[] sample = new float[size];
        int filled = 0;
        long offset = 0;
        int p = 0;
        for (NDArray flat : flats) {
            int start = p;
            while (p < size && positions[p] < offset + flat.size()) {
                p++;
            }
            if (p > start) {
                int[] local = new int[p - start];
                for (int i = 0; i < local.length; i++) {
                    local[i] = (int) (positions[start + i] - offset);
                }
                try (NDScope scope = new NDScope()) {
                    NDArray idx = flat.getManager().create(local);
                    float[] values = flat.get(new NDIndex("{}", idx)).toFloatArray(); // (p - start) gathered
                    for (float v : values) {
                        sample[filled++] = (largest ? v : -v) + 0.0f;
                    }
                    scope.suppressNotUsedWarning();
                }
            }
            offset += flat.size();
        }
        Arrays.sort(sample); // NaN sorts last; a NaN score is reported by the first full pass
        double below = 1.0 - (double) k / n; // fraction of scalars under the threshold
        double margin = 5 * Math.sqrt(below * (1 - below) / size) + 2.0 / size;
        long loRank = (long) Math.floor((below - margin) * size);
        long hiRank = (long) Math.ceil((below + margin) * size);
        float lo = loRank < 0 ? Float.NEGATIVE_INFINITY : sample[(int) loRank];
        float hi = hiRank >= size ? Float.POSITIVE_INFINITY : sample[(int) hiRank];
        if (lo != lo || hi != hi) { // a NaN in the sample: skip the bracket, the full pass names the tensor
            return new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        }
        return new float[] {lo, hi};
    }

    /** A monotone map from floats (not NaN) to ints: {@code a < b} iff {@code key(a) < key(b)}, -0.0 just under 0.0. */
    private static int key(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }

    private static float fromKey(int key) {
        return Float.intBitsToFloat(key >= 0 ? key : key ^ 0x7fffffff);
    }
}
