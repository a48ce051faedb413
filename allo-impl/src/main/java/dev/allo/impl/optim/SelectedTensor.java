package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.allo.mask.NeuronMask;

/**
 * One parameter tensor's selected scalars, resolved once when an optimiser is created: the flat indices as an int32
 * array on the parameter's device (4 bytes per selected scalar), or no array at all when the whole tensor is
 * selected. Gather and scatter by these precomputed indices replace a boolean mask, which is far slower.
 */
final class SelectedTensor {
    private final String name;
    private final Shape shape;
    private final long count;
    private final NDArray index; // (K) int32, or null when every scalar is selected

    private SelectedTensor(String name, Shape shape, long count, NDArray index) {
        this.name = name;
        this.shape = shape;
        this.count = count;
        this.index = index;
    }

    /** Resolves the tensor's selection; the index array belongs to {@code manager}. */
    static SelectedTensor of(NeuronMask mask, String name, NDManager manager) {
        Shape shape = mask.shape(name);
        if (mask.isFull(name)) {
            return new SelectedTensor(name, shape, mask.size(name), null);
        }
        int[] indices = mask.indices(name);
        return new SelectedTensor(name, shape, indices.length, manager.create(indices));
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
        return index == null;
    }

    /** The int32 index array, or null for a fully selected tensor. */
    NDArray index() {
        return index;
    }

    /**
     * The selected scalars of a tensor of this shape, in index order: a fresh copy, or for a fully selected tensor
     * the flat view of {@code tensor} itself (in-place changes to it change the tensor).
     */
    NDArray gather(NDArray tensor) {
        NDArray flat = tensor.reshape(-1); // (n) view
        return index == null ? flat : flat.get(new NDIndex("{}", index)); // (K)
    }

    /** Writes {@code values} into the selected scalars of {@code tensor}; no-op when they already are its view. */
    void scatter(NDArray tensor, NDArray values) {
        if (index != null) {
            tensor.reshape(-1).set(new NDIndex("{}", index), values); // index-put into (n), in place
        }
    }

    /** Overwrites every element of {@code target} with {@code source} (same element count), on the device. */
    static void copyInto(NDArray target, NDArray source) {
        target.reshape(-1).set(new NDIndex(":"), source.reshape(-1));
    }

    /** Bytes held between steps by the index array. */
    long indexBytes() {
        return index == null ? 0 : index.size() * index.getDataType().getNumOfBytes();
    }
}
