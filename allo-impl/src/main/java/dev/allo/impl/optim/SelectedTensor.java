package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.allo.mask.NeuronMask;

/**
 * One parameter tensor's selection, resolved once when an optimiser is created: its name, shape, the number of
 * selected scalars, and whether every scalar is selected. The flat indices of a partly selected tensor live in its
 * {@link SelectedGroup}, as one int32 array for all such tensors.
 */
final class SelectedTensor {
    private final String name;
    private final Shape shape;
    private final long count;
    private final boolean full;

    private SelectedTensor(String name, Shape shape, long count, boolean full) {
        this.name = name;
        this.shape = shape;
        this.count = count;
        this.full = full;
    }

    /** Resolves the tensor's selection. */
    static SelectedTensor of(NeuronMask mask, String name) {
        return new SelectedTensor(name, mask.shape(name), mask.selectedCount(name), mask.isFull(name));
    }

    String name() {
        return name;
    }

    Shape shape() {
        return shape;
    }

    /** K, the number of selected scalars. */
    long count() {
        return count;
    }

    boolean isFull() {
        return full;
    }

    /** The flat view of a fully selected tensor (in-place changes to it change the tensor). */
    static NDArray flat(NDArray tensor) {
        return tensor.reshape(-1); // (n) view
    }

    /** Overwrites every element of {@code target} with {@code source} (same element count), on the device. */
    static void copyInto(NDArray target, NDArray source) {
        target.reshape(-1).set(new NDIndex(":"), source.reshape(-1));
    }
}
