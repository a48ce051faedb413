package dev.allo.impl.ila;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The learned significance of every gated weight matrix ("layer" in ILA's sense: one q/k/v/o/gate/up/down matrix of
 * one decoder block): its gate logit {@code s_l} and gate {@code gamma_l = sigmoid(s_l)}. Matrices rank by
 * {@code s_l}, highest first; equal logits rank in the model's parameter order.
 */
public final class LayerSignificance {
    private final List<Entry> entries;
    private final List<Entry> ranked;

    /**
     * One matrix.
     *
     * @param name the parameter name, for example {@code model.layers.3.mlp.up_proj.weight}
     * @param layer the decoder block index
     * @param module the module name, for example {@code up_proj}
     * @param logit the learned gate logit {@code s_l}
     */
    public record Entry(String name, int layer, String module, double logit) {
        /**
         * The gate.
         *
         * @return {@code gamma_l = 1 / (1 + exp(-s_l))}
         */
        public double gate() {
            return 1 / (1 + Math.exp(-logit));
        }
    }

    /**
     * The significance of matrices given in model order.
     *
     * @param entries one entry per gated matrix, in the model's parameter order
     * @throws IllegalArgumentException if empty, a name repeats, or a logit is NaN
     */
    public LayerSignificance(List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("layer significance needs at least one matrix, got none");
        }
        Set<String> seen = new HashSet<>();
        for (Entry e : entries) {
            if (!seen.add(e.name())) {
                throw new IllegalArgumentException("matrix '" + e.name() + "' appears twice");
            }
            if (Double.isNaN(e.logit())) {
                throw new IllegalArgumentException("matrix '" + e.name() + "' has a NaN gate logit");
            }
        }
        this.entries = List.copyOf(entries);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingDouble(i -> -entries.get(i).logit()).thenComparingInt(i -> i));
        List<Entry> r = new ArrayList<>();
        order.forEach(i -> r.add(entries.get(i)));
        this.ranked = List.copyOf(r);
    }

    /**
     * Reads the significance from a gated model's current gates.
     *
     * @param model the gated model
     * @return one entry per gated matrix
     */
    public static LayerSignificance of(IlaGatedModel model) {
        float[] s = model.gateLogits();
        List<Entry> out = new ArrayList<>();
        for (int l = 0; l < s.length; l++) {
            String name = model.matrices().get(l);
            out.add(new Entry(name, layerOf(name), moduleOf(name), s[l]));
        }
        return new LayerSignificance(out);
    }

    /**
     * The entries in model order.
     *
     * @return the entries
     */
    public List<Entry> entries() {
        return entries;
    }

    /**
     * The entries from most to least significant.
     *
     * @return the ranking
     */
    public List<Entry> ranked() {
        return ranked;
    }

    /**
     * The {@code h} most significant matrices.
     *
     * @param h how many, {@code 0 <= h <= M}
     * @return their names, most significant first
     * @throws IllegalArgumentException if {@code h} is out of range
     */
    public List<String> top(int h) {
        if (h < 0 || h > ranked.size()) {
            throw new IllegalArgumentException("h must be in [0, " + ranked.size() + "], got " + h);
        }
        List<String> out = new ArrayList<>();
        ranked.subList(0, h).forEach(e -> out.add(e.name()));
        return out;
    }

    /**
     * The least significant fraction of the matrices, {@code ceil(fraction * M)} of them (as
     * {@link MaskSelector#selectionCount} counts).
     *
     * @param fraction in {@code (0, 1]}
     * @return their names, least significant first
     */
    public List<String> bottom(double fraction) {
        long n = MaskSelector.selectionCount(fraction, ranked.size());
        List<String> out = new ArrayList<>();
        for (int i = ranked.size() - 1; i >= ranked.size() - n; i--) {
            out.add(ranked.get(i).name());
        }
        return out;
    }

    /**
     * The overlap of the top-{@code h} sets of two rankings of the same matrices: {@code |T_h(a) ∩ T_h(b)| / h}
     * (the ILA paper's cross-dataset overlap).
     *
     * @param other another ranking
     * @param h the set size, {@code 1 <= h <= M}
     * @return the fraction in {@code [0, 1]}
     * @throws IllegalArgumentException if {@code h} is out of range
     */
    public double overlap(LayerSignificance other, int h) {
        if (h < 1) {
            throw new IllegalArgumentException("h must be >= 1, got " + h);
        }
        Set<String> mine = new HashSet<>(top(h));
        mine.retainAll(other.top(h));
        return mine.size() / (double) h;
    }

    /**
     * Scalar importance scores for the mask machinery: every scalar of gated matrix {@code l} scores {@code s_l};
     * every other tensor (embeddings, norms, {@code lm_head}, and matrices without an update) scores
     * {@code -infinity}, so {@link MaskSelector} picks any of them only after every gated scalar.
     *
     * @param shapes every parameter of the model, by name, in model order
     * @param device where the scores live
     * @return the scores; the caller closes them
     * @throws IllegalArgumentException if a gated matrix is not among {@code shapes}
     */
    public ImportanceScores toScores(Map<String, Shape> shapes, Device device) {
        Map<String, Double> logits = new LinkedHashMap<>();
        entries.forEach(e -> logits.put(e.name(), e.logit()));
        for (String name : logits.keySet()) {
            if (!shapes.containsKey(name)) {
                throw new IllegalArgumentException("gated matrix '" + name + "' is not a parameter of the model");
            }
        }
        NDManager manager = NDManager.newBaseManager(device);
        Map<String, NDArray> scores = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            Double s = logits.get(e.getKey());
            float value = s == null ? Float.NEGATIVE_INFINITY : s.floatValue();
            scores.put(e.getKey(), manager.full(e.getValue(), value));
        }
        try {
            return ImportanceScores.of(scores);
        } finally {
            manager.close(); // ImportanceScores.of took the arrays into a manager of its own
        }
    }

    /**
     * The decoder block of a parameter name.
     *
     * @param name {@code model.layers.N....}
     * @return {@code N}, or -1 outside the decoder blocks
     */
    static int layerOf(String name) {
        String p = "model.layers.";
        if (!name.startsWith(p)) {
            return -1;
        }
        return Integer.parseInt(name.substring(p.length(), name.indexOf('.', p.length())));
    }

    /**
     * The module of a parameter name.
     *
     * @param name for example {@code model.layers.0.mlp.up_proj.weight}
     * @return for example {@code up_proj}
     */
    static String moduleOf(String name) {
        String stem = name.endsWith(".weight") ? name.substring(0, name.length() - 7) : name;
        return stem.substring(stem.lastIndexOf('.') + 1);
    }
}
