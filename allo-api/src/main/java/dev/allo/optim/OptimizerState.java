package dev.allo.optim;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of an optimiser's state for checkpoints: the step count (which is also the learning-rate schedule's
 * position), the fingerprint of the mask the state belongs to, and the named state tensors, for example
 * {@code "model.layers.0.mlp.up_proj.weight/exp_avg"}. Sparse optimisers store 1-D tensors over the selected
 * scalars in mask-index order; dense ones tensors of the parameter's shape.
 *
 * <p>The tensors belong to the manager passed to {@link MaskedOptimizer#state}; a checkpoint writer saves them
 * together with the scalars.
 *
 * @param optimizer the optimiser's name ({@code "SparseAdamW"}, ...), checked on restore
 * @param step the number of steps taken
 * @param maskFingerprint {@link dev.allo.mask.NeuronMask#fingerprint()} of the optimiser's mask, checked on restore
 * @param tensors the named state tensors, in a fixed order
 */
public record OptimizerState(String optimizer, long step, long maskFingerprint, Map<String, NDArray> tensors) {
    /**
     * Validates and copies the map (keeping its order).
     *
     * @param optimizer the optimiser's name
     * @param step the number of steps taken, at least 0
     * @param maskFingerprint the mask fingerprint
     * @param tensors the named state tensors
     */
    public OptimizerState {
        Objects.requireNonNull(optimizer, "optimizer");
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }
}
