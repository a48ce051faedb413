package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** Copies arrays into a model's own manager, so the model shares no storage and no graph with its source. */
public final class OwnedArrays {
    private OwnedArrays() {}

    /**
     * A float32 copy of {@code source} on {@code target}'s device, detached from any gradient graph, sharing no
     * storage with {@code source}, owned by {@code target}. Intermediates are released before returning;
     * {@code source} is left unchanged and stays with its own manager.
     *
     * @param source the array to copy (any device, any floating or integer type)
     * @param target the manager that owns the copy, and whose device it is placed on
     * @return the copy, of {@code source}'s shape
     */
    public static NDArray float32Copy(NDArray source, NDManager target) {
        try (NDManager scratch = target.newSubManager()) {
            NDArray detached = source.stopGradient();
            detached.attach(scratch);
            // toDevice(sameDevice, true) returns the same storage with the PyTorch engine: duplicate instead.
            NDArray onDevice = detached.getDevice().equals(target.getDevice())
                    ? detached.duplicate() : detached.toDevice(target.getDevice(), true);
            onDevice.attach(scratch);
            NDArray copy = onDevice.toType(DataType.FLOAT32, false);
            copy.attach(target);
            return copy;
        }
    }

    /**
     * {@link #float32Copy(NDArray, NDManager)} with the copy's name set (for example a parameter's name).
     *
     * @param source the array to copy
     * @param target the manager that owns the copy, and whose device it is placed on
     * @param name the copy's name
     * @return the named copy
     */
    public static NDArray float32Copy(NDArray source, NDManager target, String name) {
        NDArray copy = float32Copy(source, target);
        copy.setName(name);
        return copy;
    }
}
