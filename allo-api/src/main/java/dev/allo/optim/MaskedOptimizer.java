package dev.allo.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.mask.NeuronMask;
import java.util.Map;

/**
 * An optimiser that updates only the scalars a {@link NeuronMask} selects (ALLO Eq. 1: {@code theta_i} changes only
 * for {@code i in N}); every unselected scalar stays bit-identical, weight decay and momentum included. The full
 * parameter path is the same optimiser with {@link NeuronMask#all}.
 *
 * <p>The mask is fixed when the optimiser is created, since sparse state is laid out over the selected indices.
 * Each {@link #step} reads the gradients from {@link NDArray#getGradient()} (they are not modified), clips them by
 * the global norm over the selected scalars ({@link GradientClipping}), and updates the parameters in place. Call
 * it after the {@code GradientCollector} has closed; zeroing the gradients is the caller's job.
 *
 * <p>Implementations in {@code allo-impl}: {@code SparseAdamW} (the default; moments only for selected scalars),
 * {@code DenseMaskedAdamW} (full moments, masked update) and {@code MaskedSgd}. They are not thread-safe.
 */
public interface MaskedOptimizer extends AutoCloseable {

    /**
     * Applies one update to the selected scalars of every parameter.
     *
     * @param parameters the live parameters by name, matching the mask (same names and shapes); each tensor with at
     *     least one selected scalar must have a gradient
     * @return what the step did
     * @throws IllegalArgumentException if the parameters do not match the mask (naming the tensor)
     * @throws IllegalStateException if a parameter with selected scalars has no gradient, or the optimiser is closed
     */
    StepResult step(Map<String, NDArray> parameters);

    /**
     * The mask this optimiser updates.
     *
     * @return the mask
     */
    NeuronMask mask();

    /**
     * The number of steps taken (restored with the state).
     *
     * @return the step count
     */
    long stepCount();

    /**
     * The learning rate the next step will use, {@code lr * schedule.multiplier(stepCount())}.
     *
     * @return the learning rate
     */
    double learningRate();

    /**
     * Copies the state (step count, mask fingerprint, moments or momentum buffers) for a checkpoint.
     *
     * @param manager the manager that will own the copied tensors
     * @return the snapshot
     */
    OptimizerState state(NDManager manager);

    /**
     * Overwrites this optimiser's state with a snapshot taken from an optimiser of the same kind and mask.
     *
     * @param state the snapshot
     * @throws IllegalArgumentException if the snapshot comes from another kind of optimiser, another mask, or its
     *     tensors' names or shapes differ (naming the tensor)
     */
    void restore(OptimizerState state);

    /**
     * The bytes of device memory the optimiser holds between steps: moments or momentum buffers, selected-index
     * arrays and masks (not the transient memory of a step).
     *
     * @return the state size in bytes
     */
    long stateBytes();

    /** Releases the state. Idempotent. */
    @Override
    void close();
}
