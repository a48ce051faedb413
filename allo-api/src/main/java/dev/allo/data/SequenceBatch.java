package dev.allo.data;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * One side (chosen or rejected) of a preference batch: {@code B} rows of {@code prompt ++ response}, padded to
 * {@code T}. All four arrays are token-aligned (position {@code t} describes token {@code t}); an objective that
 * scores token {@code t} with the logits at {@code t - 1} uses {@code responseMask[:, 1:]}.
 *
 * @param ids {@code (B, T)} int64 token ids; padding holds the PAD id
 * @param attentionMask {@code (B, T)} int64, 1 for real tokens (prompt and response), 0 for padding
 * @param responseMask {@code (B, T)} float32, 1 for response tokens, 0 for prompt and padding
 * @param weights {@code (B, T)} float32 per-token weights of response tokens ({@code r_j} or {@code q_j}), 0 for
 *     prompt and padding
 */
public record SequenceBatch(NDArray ids, NDArray attentionMask, NDArray responseMask, NDArray weights)
        implements AutoCloseable {

    /** Checks that all four arrays are present. */
    public SequenceBatch {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(attentionMask, "attentionMask");
        Objects.requireNonNull(responseMask, "responseMask");
        Objects.requireNonNull(weights, "weights");
    }

    /** Closes the four arrays. */
    @Override
    public void close() {
        ids.close();
        attentionMask.close();
        responseMask.close();
        weights.close();
    }
}
