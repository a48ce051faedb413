package dev.allo.impl.importance;

import ai.djl.ndarray.NDArray;
import dev.allo.importance.ImportanceContext;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.importance.ImportanceScores;
import dev.allo.model.CausalLm;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random importance, the ablation baseline: every scalar gets an independent score {@code I_i ~ U[0, 1)} (multiples of {@code 2^-24}), so a
 * top-k selection over these scores is a uniformly random mask. The scores are drawn on the host from one
 * {@link SplittableRandom} stream, tensor by tensor in model order, so the same seed and model shapes give the same
 * scores on every device and engine. Needs no data: pass {@link ImportanceContext#none()}.
 */
public final class RandomImportanceEstimator implements ImportanceEstimator {
    private final long seed;

    /**
     * Creates the estimator.
     *
     * @param seed the random seed
     */
    public RandomImportanceEstimator(long seed) {
        this.seed = seed;
    }

    @Override
    public ImportanceScores estimate(CausalLm model, ImportanceContext context) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, NDArray> scores = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
            float[] values = new float[Math.toIntExact(p.getValue().size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextInt(1 << 24) * 0x1p-24f; // U[0, 1) on the float32 grid, exactly
            }
            scores.put(p.getKey(), model.manager().create(values, p.getValue().getShape()));
        }
        return ImportanceScores.of(scores);
    }

    @Override
    public String toString() {
        return "RandomImportanceEstimator[seed=" + seed + "]";
    }
}
