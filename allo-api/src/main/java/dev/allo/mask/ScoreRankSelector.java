package dev.allo.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.allo.importance.ImportanceScores;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Top-k / last-k by score, globally or per tensor, with the tie rule of {@link MaskSelector}. */
final class ScoreRankSelector implements MaskSelector {
    private final double ratio;
    private final TensorFilter filter;
    private final boolean perTensor;
    private final boolean largest;

    ScoreRankSelector(double ratio, TensorFilter filter, boolean perTensor, boolean largest) {
        this.ratio = ratio;
        this.filter = filter;
        this.perTensor = perTensor;
        this.largest = largest;
    }

    @Override
    public NeuronMask select(ImportanceScores scores) {
        Map<String, NDArray> arrays = scores.asMap();
        List<String> included = filter.apply(arrays.keySet());
        Set<String> includedSet = new HashSet<>(included);
        List<int[]> picked = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            List<NDArray> flats = new ArrayList<>();
            for (String name : included) {
                flats.add(arrays.get(name).reshape(-1)); // (n_t) view
            }
            if (perTensor) {
                for (int t = 0; t < flats.size(); t++) {
                    long k = MaskSelector.selectionCount(ratio, flats.get(t).size());
                    picked.add(ExactTopK.select(List.of(included.get(t)), List.of(flats.get(t)), k, largest).get(0));
                }
            } else {
                long n = flats.stream().mapToLong(NDArray::size).sum();
                picked.addAll(ExactTopK.select(included, flats, MaskSelector.selectionCount(ratio, n), largest));
            }
            scope.suppressNotUsedWarning();
        }
        NeuronMask.Builder builder = NeuronMask.builder();
        int next = 0;
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            if (!includedSet.contains(e.getKey())) {
                builder.addNone(e.getKey(), e.getValue().getShape());
                continue;
            }
            int[] indices = picked.get(next++);
            if (indices == null) {
                builder.addAll(e.getKey(), e.getValue().getShape());
            } else {
                builder.add(e.getKey(), e.getValue().getShape(), indices);
            }
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return (largest ? (perTensor ? "perTensorTopK(" : "globalTopK(") : "lastK(") + ratio + ", " + filter + ")";
    }
}
