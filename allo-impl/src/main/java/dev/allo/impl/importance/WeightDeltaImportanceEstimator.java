package dev.allo.impl.importance;

import ai.djl.ndarray.NDArray;
import dev.allo.importance.ImportanceContext;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.importance.ImportanceScores;
import dev.allo.model.CausalLm;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Weight-delta importance, ALLO Sec. 4.1, Eq. (4): warm up a copy of the model with
 * {@link ImportanceContext#warmUp(CausalLm)} (one epoch of full-parameter DPO by default) and score every scalar
 * weight by how far it moved, {@code I_i = |theta'_i - theta_i|}. The paper divides by the learning rate
 * {@code alpha}, which does not change the ranking, so it is left out. The model itself is not changed; the copy is
 * closed before returning. Peak memory: one extra model plus the warm-up's optimiser state.
 */
public final class WeightDeltaImportanceEstimator implements ImportanceEstimator {

    /** Creates the estimator. */
    public WeightDeltaImportanceEstimator() {
        // stateless: the warm-up's settings live in the context
    }

    @Override
    public ImportanceScores estimate(CausalLm model, ImportanceContext context) {
        try (CausalLm warm = model.copy()) {
            context.warmUp(warm);
            Map<String, NDArray> scores = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    NDArray delta = warm.parameters().get(e.getKey()).sub(e.getValue()); // theta' - theta
                    scores.put(e.getKey(), delta.abs()); // Eq. (4)
                    delta.close();
                }
                return ImportanceScores.of(scores); // moves the arrays out of the copy's manager
            } catch (RuntimeException ex) {
                scores.values().forEach(NDArray::close);
                throw ex;
            }
        }
    }

    @Override
    public String toString() {
        return "WeightDeltaImportanceEstimator";
    }
}
