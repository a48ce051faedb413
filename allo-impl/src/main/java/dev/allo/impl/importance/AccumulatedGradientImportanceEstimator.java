package dev.allo.impl.importance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.allo.importance.ImportanceContext;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.importance.ImportanceScores;
import dev.allo.model.CausalLm;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accumulated-gradient importance, the paper's Figure 1 selection: one pass over the data with
 * {@link ImportanceContext#accumulateGradients(CausalLm)}, no weight update, and {@code I_i = |sum_d dL(d)/dtheta_i|}
 * per scalar weight (a parameter without a gradient scores 0). The weights are not changed; the gradients are left
 * in place and the model trainable (the next training step zeroes them).
 */
public final class AccumulatedGradientImportanceEstimator implements ImportanceEstimator {

    /** Creates the estimator. */
    public AccumulatedGradientImportanceEstimator() {
        // stateless: the data and objective live in the context
    }

    @Override
    public ImportanceScores estimate(CausalLm model, ImportanceContext context) {
        context.accumulateGradients(model);
        Map<String, NDArray> scores = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                NDArray p = e.getValue();
                if (p.hasGradient()) {
                    NDArray g = p.getGradient(); // a new handle on the gradient
                    scores.put(e.getKey(), g.abs()); // |sum_d dL(d)/dtheta|
                    g.close();
                } else {
                    scores.put(e.getKey(), model.manager().zeros(p.getShape(), DataType.FLOAT32));
                }
            }
            return ImportanceScores.of(scores);
        } catch (RuntimeException ex) {
            scores.values().forEach(NDArray::close);
            throw ex;
        }
    }

    @Override
    public String toString() {
        return "AccumulatedGradientImportanceEstimator";
    }
}
