package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;

/**
 * Positions and the additive attention mask derived from a {@code (B, S)} padding mask, where {@code S} counts the
 * cached and the new tokens.
 *
 * <p>Positions follow Hugging Face {@code generate}: {@code position = cumsum(mask) - 1}, clamped at 0, so the real
 * tokens of a left- or right-padded sequence get the positions they would have without padding. Query {@code i}
 * (absolute index {@code past + i}) may attend key {@code j} iff {@code j <= past + i} and {@code mask[j] = 1}; the
 * mask adds 0 there and {@code -Float.MAX_VALUE} elsewhere, a finite value, so a padding query that may attend
 * nothing gets a uniform (finite) distribution rather than NaN.
 *
 * <p>A sliding window W further requires {@code j > past + i - W}: the query sees the W most recent columns, itself
 * included, as {@code transformers}' {@code sliding_window_overlay} ({@code kv_idx > q_idx - sliding_window}, on
 * cache indices, so padding columns count towards the window).
 */
final class AttentionMask {
    /** {@code (B, T)} float32 positions of the new tokens. */
    final NDArray positions;
    /** {@code (B, 1, T, S)} float32 additive mask of full causal attention. */
    final NDArray additive;
    private final NDArray real;
    private final NDArray queryIndex;
    private final NDArray keyIndex;
    private final NDManager manager;
    private final Map<Integer, NDArray> windowed = new HashMap<>();

    private AttentionMask(NDArray positions, NDArray additive, NDArray real, NDArray queryIndex, NDArray keyIndex,
            NDManager manager) {
        this.positions = positions;
        this.additive = additive;
        this.real = real;
        this.queryIndex = queryIndex;
        this.keyIndex = keyIndex;
        this.manager = manager;
    }

    /**
     * The additive mask of a layer.
     *
     * @param window W for sliding-window attention, or {@code null} for full causal attention
     * @return {@code (B, 1, T, S)} float32 additive mask, owned by this mask's manager (built once per window)
     */
    NDArray additive(Integer window) {
        if (window == null) {
            return additive;
        }
        return windowed.computeIfAbsent(window, w -> {
            NDArray inWindow = keyIndex.gt(queryIndex.sub(w)); // (T, S): j > past + i - W
            NDArray causal = keyIndex.lte(queryIndex).logicalAnd(inWindow).toType(DataType.FLOAT32, false);
            NDArray allowed = causal.mul(real); // (B, 1, T, S)
            NDArray out = allowed.sub(1).mul(Float.MAX_VALUE);
            out.attach(manager);
            return out;
        });
    }

    /**
     * Builds the positions and mask.
     *
     * @param keyMask {@code (B, S)} padding mask of any numeric or boolean type, 1 for real tokens
     * @param newTokens T, the number of new (query) tokens at the end of the {@code S} columns
     * @param manager owner of the results
     * @return the positions and the additive mask
     */
    static AttentionMask of(NDArray keyMask, int newTokens, NDManager manager) {
        NDArray real = keyMask.toType(DataType.FLOAT32, false);
        long batch = real.getShape().get(0);
        long total = real.getShape().get(1);
        long past = total - newTokens;
        NDArray allPositions = real.cumSum(1).sub(1).maximum(0); // (B, S)
        NDArray positions = allPositions.get(":, " + past + ":"); // (B, T)
        NDArray queryIndex = manager.arange(past, total, 1, DataType.FLOAT32).reshape(newTokens, 1); // (T, 1)
        NDArray keyIndex = manager.arange(0, total, 1, DataType.FLOAT32).reshape(1, total); // (1, S)
        NDArray causal = keyIndex.lte(queryIndex).toType(DataType.FLOAT32, false); // (T, S)
        NDArray keyReal = real.reshape(new Shape(batch, 1, 1, total)); // (B, 1, 1, S)
        NDArray allowed = causal.mul(keyReal); // (B, 1, T, S)
        NDArray additive = allowed.sub(1).mul(Float.MAX_VALUE); // 0 where allowed, -MAX elsewhere
        for (NDArray a : new NDArray[] {positions, additive, keyReal, queryIndex, keyIndex}) {
            a.attach(manager);
        }
        return new AttentionMask(positions, additive, keyReal, queryIndex, keyIndex, manager);
    }
}
