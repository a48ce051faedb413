package dev.allo.mask;

import ai.djl.ndarray.types.Shape;
import dev.allo.importance.ImportanceScores;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Uniform random selection of exactly {@code ceil(k * n)} scalars by sequential selection sampling (Knuth's
 * Algorithm S): scalar {@code i} of the {@code n} included ones, in (tensor order, flat index) order, is selected
 * with probability {@code (needed) / (remaining)}, which yields every subset of the target size with equal
 * probability and the indices already sorted.
 */
final class RandomSelector implements MaskSelector {
    private final double ratio;
    private final long seed;
    private final TensorFilter filter;

    RandomSelector(double ratio, long seed, TensorFilter filter) {
        this.ratio = ratio;
        this.seed = seed;
        this.filter = filter;
    }

    @Override
    public NeuronMask select(ImportanceScores scores) {
        Map<String, Shape> shapes = scores.shapes();
        List<String> included = filter.apply(shapes.keySet());
        Set<String> includedSet = new HashSet<>(included);
        long remaining = included.stream().mapToLong(name -> shapes.get(name).size()).sum();
        long needed = MaskSelector.selectionCount(ratio, remaining);
        SplittableRandom random = new SplittableRandom(seed);
        NeuronMask.Builder builder = NeuronMask.builder();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            if (!includedSet.contains(e.getKey())) {
                builder.addNone(e.getKey(), e.getValue());
                continue;
            }
            int n = (int) e.getValue().size();
            int[] picked = new int[(int) Math.min(n, needed)];
            int count = 0;
            // Once nothing more is needed the rest of the scan cannot select anything: stop early.
            for (int i = 0; i < n && needed > 0; i++, remaining--) {
                if (random.nextLong(remaining) < needed) {
                    picked[count++] = i;
                    needed--;
                }
            }
            builder.add(e.getKey(), e.getValue(), Arrays.copyOf(picked, count));
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return "random(" + ratio + ", seed=" + seed + ", " + filter + ")";
    }
}
