package dev.allo.impl.ila;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.NeuronMask;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Masks and scores from a {@link LayerSignificance}: train only the most significant matrices, freeze the least
 * significant ones, or restrict or weight ALLO's neuron scores by layer significance.
 */
public final class IlaMasks {
    private IlaMasks() {}

    /**
     * "Train only the top-H layers": every scalar of the {@code h} most significant matrices, nothing else.
     *
     * @param significance the ranking
     * @param h how many matrices
     * @param shapes every parameter of the model, in model order
     * @return the mask
     */
    public static NeuronMask topLayers(LayerSignificance significance, int h, Map<String, Shape> shapes) {
        return wholeTensors(shapes, new HashSet<>(significance.top(h)), true);
    }

    /**
     * "Freeze the bottom fraction": every scalar of every tensor except the {@code ceil(fraction * M)} least
     * significant matrices (embeddings, norms and {@code lm_head} stay trainable, as in full fine-tuning).
     *
     * @param significance the ranking
     * @param fraction in {@code (0, 1]}
     * @param shapes every parameter of the model, in model order
     * @return the mask
     */
    public static NeuronMask freezeBottom(LayerSignificance significance, double fraction, Map<String, Shape> shapes) {
        return wholeTensors(shapes, new HashSet<>(significance.bottom(fraction)), false);
    }

    /**
     * Neurons inside significant layers, by masking: the neuron scores of the given matrices are kept, every other
     * tensor scores {@code -infinity}, so a selector picks neurons of those matrices first.
     *
     * @param neuronScores ALLO's scalar scores (for example weight delta, Eq. 4)
     * @param layers the matrices to keep, for example {@code significance.top(h)}
     * @return new scores; the caller closes them (the input is unchanged)
     * @throws IllegalArgumentException if a layer is not among the scores
     */
    public static ImportanceScores withinLayers(ImportanceScores neuronScores, Collection<String> layers) {
        for (String name : layers) {
            if (!neuronScores.names().contains(name)) {
                throw new IllegalArgumentException("layer '" + name + "' has no neuron scores");
            }
        }
        try (NDManager scratch = NDManager.newBaseManager(neuronScores.device())) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String name : neuronScores.names()) {
                NDArray s = neuronScores.get(name);
                NDArray v = layers.contains(name) ? s.duplicate()
                        : scratch.full(s.getShape(), Float.NEGATIVE_INFINITY);
                v.attach(scratch);
                out.put(name, v);
            }
            return ImportanceScores.of(out);
        }
    }

    /**
     * Neurons inside significant layers, by weighting: {@code I'_i = I_i * gamma_l} for a scalar {@code i} of gated
     * matrix {@code l}, and 0 for every other tensor.
     *
     * @param neuronScores ALLO's scalar scores (non-negative, for example {@code |theta' - theta|})
     * @param significance the gates
     * @return new scores; the caller closes them (the input is unchanged)
     */
    public static ImportanceScores gateWeighted(ImportanceScores neuronScores, LayerSignificance significance) {
        Map<String, Double> gates = new LinkedHashMap<>();
        significance.entries().forEach(e -> gates.put(e.name(), e.gate()));
        try (NDManager scratch = NDManager.newBaseManager(neuronScores.device())) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String name : neuronScores.names()) {
                NDArray s = neuronScores.get(name);
                double gamma = gates.getOrDefault(name, 0.0);
                NDArray factor = scratch.full(new Shape(), (float) gamma);
                NDArray v = factor.mul(s); // I_i * gamma_l, owned by scratch until attached below
                out.put(name, v);
            }
            return ImportanceScores.of(out);
        }
    }

    private static NeuronMask wholeTensors(Map<String, Shape> shapes, Set<String> names, boolean selectNamed) {
        for (String name : names) {
            if (!shapes.containsKey(name)) {
                throw new IllegalArgumentException("matrix '" + name + "' is not a parameter of the model");
            }
        }
        NeuronMask.Builder b = NeuronMask.builder();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            if (names.contains(e.getKey()) == selectNamed) {
                b.addAll(e.getKey(), e.getValue());
            } else {
                b.addNone(e.getKey(), e.getValue());
            }
        }
        return b.build();
    }
}
