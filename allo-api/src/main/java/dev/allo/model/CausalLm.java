package dev.allo.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * A causal (decoder-only) language model: token ids in, next-token logits out.
 *
 * <p>Shapes: {@code B} batch, {@code T} sequence length, {@code H} hidden size, {@code V} vocabulary size. The logits
 * at position {@code t} score the token at position {@code t + 1}.
 *
 * <p>Arrays returned by the forward methods belong to the manager of the input ids, so a caller that wraps a step in
 * an {@code NDScope} (or a sub-manager of its own) frees them with the step. Parameters belong to
 * {@link #manager()} and live as long as the model.
 *
 * <p>Implementations are not thread-safe.
 */
public interface CausalLm extends AutoCloseable {

    /**
     * Runs the decoder stack up to and including the final norm.
     *
     * @param inputIds {@code (B, T)} token ids, int64
     * @param attentionMask {@code (B, T)}, 1 for real tokens and 0 for padding (any numeric or boolean type); padding
     *     may sit on either side. Positions are counted over real tokens only, so a padded sequence gives the same
     *     hidden states for its real tokens as the unpadded sequence.
     * @return {@code (B, T, H)} hidden states, float32
     */
    NDArray hiddenStates(NDArray inputIds, NDArray attentionMask);

    /**
     * Projects hidden states to vocabulary logits with the output head ({@code lm_head}, or the embedding matrix when
     * the two are tied).
     *
     * @param hidden {@code (..., H)} hidden states
     * @return {@code (..., V)} logits, float32
     */
    NDArray logits(NDArray hidden);

    /**
     * Full forward pass.
     *
     * @param inputIds {@code (B, T)} token ids, int64
     * @param attentionMask {@code (B, T)}, 1 for real tokens and 0 for padding
     * @return {@code (B, T, V)} logits, float32
     */
    default NDArray forward(NDArray inputIds, NDArray attentionMask) {
        return logits(hiddenStates(inputIds, attentionMask));
    }

    /**
     * The trainable parameters by their Hugging Face names ({@code model.embed_tokens.weight},
     * {@code model.layers.0.self_attn.q_proj.weight}, ..., {@code lm_head.weight} when untied), in a fixed,
     * documented order that is the same for every model of the same configuration. The arrays are the live
     * parameters: updating them in place changes the model, and gradients attach to them.
     *
     * @return an unmodifiable, ordered map from name to parameter array
     */
    Map<String, NDArray> parameters();

    /**
     * Switches gradient tracking on or off for every parameter.
     *
     * @param trainable whether gradients should be recorded for the parameters
     */
    void setTrainable(boolean trainable);

    /**
     * Makes a deep copy whose parameters share no memory with this model, for example a frozen reference model.
     *
     * @param device where the copy's parameters live
     * @return the copy; the caller closes it
     */
    CausalLm copy(Device device);

    /**
     * Makes a deep copy on this model's device.
     *
     * @return the copy; the caller closes it
     */
    default CausalLm copy() {
        return copy(device());
    }

    /**
     * The device that holds the parameters.
     *
     * @return the device
     */
    Device device();

    /**
     * The manager that owns the parameters.
     *
     * @return the manager
     */
    NDManager manager();

    /**
     * The size of the vocabulary, {@code V}.
     *
     * @return the vocabulary size
     */
    int vocabSize();

    /** Releases the parameters. */
    @Override
    void close();
}
