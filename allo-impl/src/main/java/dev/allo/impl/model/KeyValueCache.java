package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The keys and values of the tokens a {@link DecoderModel} has already processed, one pair per layer, each
 * {@code (B, n_kv, S, d)} after rotary embedding, so that the next forward pass only computes the new tokens.
 *
 * <p>Create one with {@link DecoderModel#newKeyValueCache()}, pass it to
 * {@link DecoderModel#hiddenStates(NDArray, NDArray, KeyValueCache)} with the padding mask of all tokens so far, and
 * close it when done. A cache belongs to one batch of sequences and one model.
 */
public final class KeyValueCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    KeyValueCache(NDManager parent, int layers) {
        manager = parent.newSubManager();
        keys = new NDArray[layers];
        values = new NDArray[layers];
    }

    /**
     * The number of tokens (per sequence, padding included) held.
     *
     * @return S, 0 for a new cache
     */
    public int length() {
        return length;
    }

    /**
     * Appends a layer's new keys and values and returns all of them.
     *
     * @param layer the layer index
     * @param newKeys {@code (B, n_kv, T, d)}
     * @param newValues {@code (B, n_kv, T, d)}
     * @return {@code [keys, values]}, each {@code (B, n_kv, S + T, d)}, owned by the cache
     * @throws IllegalArgumentException if the batch size differs from the cached one
     */
    NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
        if (keys[layer] != null && keys[layer].getShape().get(0) != newKeys.getShape().get(0)) {
            throw new IllegalArgumentException("The cache holds a batch of " + keys[layer].getShape().get(0)
                    + " sequences, got a batch of " + newKeys.getShape().get(0));
        }
        // The first arrays are kept as they are (no copy, and no break in an autograd graph).
        NDArray k = keys[layer] == null ? newKeys : NDArrays.concat(new NDList(keys[layer], newKeys), 2);
        NDArray v = values[layer] == null ? newValues : NDArrays.concat(new NDList(values[layer], newValues), 2);
        k.attach(manager);
        v.attach(manager);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = k;
        values[layer] = v;
        return new NDArray[] {k, v};
    }

    /**
     * Records that a forward pass has appended {@code tokens} positions to every layer.
     *
     * @param tokens T
     */
    void advance(int tokens) {
        length += tokens;
    }

    /** Releases the cached arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
