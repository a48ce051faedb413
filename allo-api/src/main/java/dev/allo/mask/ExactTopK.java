package dev.allo.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Exact top-k over several score tensors without sorting them: finds the k-th largest value {@code T} on the
 * device, then selects every scalar above {@code T} and the first {@code k - count(> T)} scalars equal to {@code T}
 * in (tensor order, flat index) order, which is the tie rule of {@link MaskSelector}.
 *
 * <p>Finding {@code T}: a random sample of the scores gives a bracket {@code [lo, hi]} around the k-th largest value
 * with {@code count(> hi) < k <= count(>= lo)} (verified by counting on the device; widened to infinity if the
 * sample was unlucky, so the result never depends on the sample). While the bracket holds too many scalars it is
 * halved by bisection on the float order; then the few candidates inside it are copied to the host and sorted.
 * Every full pass works on chunks of {@value #CHUNK} scalars so that temporaries stay small.
 *
 * <p>For last-k ({@code largest == false}) the same search runs on the negated scores.
 */
final class ExactTopK {
    static final long CHUNK = 1 << 20;
    private static final long SAMPLE_SEED = 0x5EEDL;

    /**
     * Work sizes: scalars per device pass chunk, sample size, and the most candidates copied to the host. Only speed
     * depends on them, never the result; tests shrink them to exercise every branch on tiny tensors.
     */
    record Limits(long chunk, int sample, long candidates) {
        static final Limits DEFAULT = new Limits(CHUNK, 1 << 17, 1 << 22);
    }

    private enum Op { GT, GE, EQ }

    private ExactTopK() {}

    /**
     * Selects the top k over the concatenation of {@code flats}.
     *
     * @param flats 1-D float32 score arrays, in tensor order
     * @param k how many to select, in {@code [0, sum of sizes]}
     * @param largest true for the largest scores, false for the smallest
     * @return per tensor the selected sorted flat indices, or {@code null} for "every element"
     */
    static List<int[]> select(List<NDArray> flats, long k, boolean largest) {
        return select(flats, k, largest, Limits.DEFAULT);
    }

    static List<int[]> select(List<NDArray> flats, long k, boolean largest, Limits limits) {
        long n = flats.stream().mapToLong(NDArray::size).sum();
        List<int[]> out = new ArrayList<>();
        if (k >= n) {
            flats.forEach(f -> out.add(null));
            return out;
        }
        if (k == 0) {
            flats.forEach(f -> out.add(new int[0]));
            return out;
        }
        float lo = Float.NEGATIVE_INFINITY;
        float hi = Float.POSITIVE_INFINITY;
        if (n > limits.candidates()) {
            float[] bracket = sampleBracket(flats, n, k, largest, limits.sample());
            lo = bracket[0];
            hi = bracket[1];
        }
        long above = count(flats, Op.GT, hi, largest, limits); // count(> hi)
        if (above >= k) {
            hi = Float.POSITIVE_INFINITY;
            above = 0;
        }
        long atLeast = count(flats, Op.GE, lo, largest, limits); // count(>= lo)
        if (atLeast < k) {
            lo = Float.NEGATIVE_INFINITY;
            atLeast = n;
        }
        // Invariant: count(> hi) = above < k <= atLeast = count(>= lo).
        while (atLeast - above > limits.candidates() && lo < hi) {
            int loKey = key(lo);
            float mid = fromKey(loKey + (int) ((((long) key(hi)) - loKey + 1) / 2));
            long c = count(flats, Op.GE, mid, largest, limits);
            if (c >= k) {
                lo = mid;
                atLeast = c;
            } else {
                hi = Math.nextDown(mid); // count(> hi) == count(>= mid), also for mid = +-0.0
                above = c;
            }
        }
        float threshold = lo == hi ? lo : kthLargestCandidate(flats, lo, hi, k - above, atLeast - above, largest, limits.chunk());
        return pick(flats, threshold, k, largest, limits.chunk());
    }

    /** Rejects NaN scores, which have no place in the order; names the tensor. */
    static void checkNoNaN(List<String> names, List<NDArray> flats) {
        for (int t = 0; t < flats.size(); t++) {
            NDArray flat = flats.get(t);
            for (long from = 0; from < flat.size(); from += CHUNK) {
                try (NDScope scope = new NDScope()) {
                    if (chunk(flat, from, CHUNK).isNaN().any().getBoolean()) {
                        throw new IllegalArgumentException("importance scores of tensor '" + names.get(t)
                                + "' contain NaN; every score must be a number");
                    }
                    scope.suppressNotUsedWarning();
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
                    float[] values = oriented(flat.get(new NDIndex("{}", idx)), largest).toFloatArray();
                    System.arraycopy(values, 0, sample, filled, values.length);
                    filled += values.length;
                    scope.suppressNotUsedWarning();
                }
            }
            offset += flat.size();
        }
        Arrays.sort(sample);
        double below = 1.0 - (double) k / n; // fraction of scalars under the threshold
        double margin = 5 * Math.sqrt(below * (1 - below) / size) + 2.0 / size;
        long loRank = (long) Math.floor((below - margin) * size);
        long hiRank = (long) Math.ceil((below + margin) * size);
        float lo = loRank < 0 ? Float.NEGATIVE_INFINITY : sample[(int) loRank];
        float hi = hiRank >= size ? Float.POSITIVE_INFINITY : sample[(int) hiRank];
        return new float[] {lo, hi};
    }

    /** The r-th largest of the m scalars in [lo, hi], copied to the host. */
    private static float kthLargestCandidate(
            List<NDArray> flats, float lo, float hi, long r, long m, boolean largest, long chunkSize) {
        float[] candidates = new float[(int) m];
        int filled = 0;
        for (NDArray flat : flats) {
            for (long from = 0; from < flat.size(); from += chunkSize) {
                try (NDScope scope = new NDScope()) {
                    NDArray v = oriented(chunk(flat, from, chunkSize), largest);
                    float[] values = lo == Float.NEGATIVE_INFINITY && hi == Float.POSITIVE_INFINITY
                            ? v.toFloatArray()
                            : v.get(v.gte(lo).logicalAnd(v.lte(hi))).toFloatArray();
                    System.arraycopy(values, 0, candidates, filled, values.length);
                    filled += values.length;
                    scope.suppressNotUsedWarning();
                }
            }
        }
        for (int i = 0; i < filled; i++) {
            candidates[i] += 0.0f; // -0.0 + 0.0 == +0.0: ties compare numerically, as on the device
        }
        Arrays.sort(candidates, 0, filled);
        return candidates[(int) (filled - r)];
    }

    /** Everything above the threshold, plus the first ties in (tensor, index) order up to k in total. */
    private static List<int[]> pick(List<NDArray> flats, float threshold, long k, boolean largest, long chunkSize) {
        List<int[]> above = new ArrayList<>();
        long total = 0;
        for (NDArray flat : flats) {
            int[] idx = positions(flat, Op.GT, threshold, largest, Long.MAX_VALUE, chunkSize);
            above.add(idx);
            total += idx.length;
        }
        long ties = k - total;
        List<int[]> out = new ArrayList<>();
        for (int t = 0; t < flats.size(); t++) {
            int[] equal = ties > 0 ? positions(flats.get(t), Op.EQ, threshold, largest, ties, chunkSize) : new int[0];
            ties -= equal.length;
            int[] merged = merge(above.get(t), equal);
            out.add(merged.length == flats.get(t).size() ? null : merged);
        }
        return out;
    }

    /** The sorted flat positions where {@code op(x, t)} holds, at most {@code limit} of them (the first ones). */
    private static int[] positions(NDArray flat, Op op, float t, boolean largest, long limit, long chunkSize) {
        List<long[]> parts = new ArrayList<>();
        long found = 0;
        for (long from = 0; from < flat.size() && found < limit; from += chunkSize) {
            try (NDScope scope = new NDScope()) {
                long[] local = compare(oriented(chunk(flat, from, chunkSize), largest), op, t).nonzero().toLongArray();
                int keep = (int) Math.min(local.length, limit - found);
                long[] shifted = new long[keep];
                for (int i = 0; i < keep; i++) {
                    shifted[i] = local[i] + from;
                }
                parts.add(shifted);
                found += keep;
                scope.suppressNotUsedWarning();
            }
        }
        int[] out = new int[(int) found];
        int at = 0;
        for (long[] part : parts) {
            for (long p : part) {
                out[at++] = (int) p;
            }
        }
        return out;
    }

    private static long count(List<NDArray> flats, Op op, float t, boolean largest, Limits limits) {
        if ((op == Op.GT && t == Float.POSITIVE_INFINITY) || (op == Op.GE && t == Float.NEGATIVE_INFINITY)) {
            return op == Op.GT ? 0 : flats.stream().mapToLong(NDArray::size).sum();
        }
        long total = 0;
        for (NDArray flat : flats) {
            for (long from = 0; from < flat.size(); from += limits.chunk()) {
                try (NDScope scope = new NDScope()) {
                    total += compare(oriented(chunk(flat, from, limits.chunk()), largest), op, t)
                            .sum().toType(DataType.INT64, false).getLong();
                    scope.suppressNotUsedWarning();
                }
            }
        }
        return total;
    }

    private static NDArray compare(NDArray v, Op op, float t) {
        switch (op) {
            case GT:
                return v.gt(t);
            case GE:
                return v.gte(t);
            case EQ:
                return v.eq(t);
            default:
                throw new IllegalStateException("unexpected comparison " + op);
        }
    }

    private static NDArray chunk(NDArray flat, long from, long size) {
        long to = Math.min(flat.size(), from + size);
        return flat.get(new NDIndex(from + ":" + to)); // (<= size) view
    }

    private static NDArray oriented(NDArray v, boolean largest) {
        return largest ? v : v.neg();
    }

    /** A monotone map from floats (not NaN) to ints: {@code a < b} iff {@code key(a) < key(b)}, -0.0 just under 0.0. */
    private static int key(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }

    private static float fromKey(int key) {
        return Float.intBitsToFloat(key >= 0 ? key : key ^ 0x7fffffff);
    }

    private static int[] merge(int[] a, int[] b) {
        if (b.length == 0) {
            return a;
        }
        int[] out = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int o = 0;
        while (i < a.length && j < b.length) {
            out[o++] = a[i] <= b[j] ? a[i++] : b[j++];
        }
        while (i < a.length) {
            out[o++] = a[i++];
        }
        while (j < b.length) {
            out[o++] = b[j++];
        }
        return out;
    }
}
