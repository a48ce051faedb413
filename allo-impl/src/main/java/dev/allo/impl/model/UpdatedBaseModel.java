package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.model.CausalLm;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A causal LM that runs a frozen LLaMA base {@code W0} with some weight matrices replaced by
 *
 * <pre>
 * W_l = W0_l + dW_l
 * </pre>
 *
 * where a subclass computes {@code dW_l} from its own trainable parameters (LoRA: {@code (alpha / r) B A}; ILA:
 * {@code sigmoid(s_l) dW_l}). The replaced weights are built inside the caller's step and passed to
 * {@link DecoderModel#withWeights(Map)}; the head is the base model's.
 */
public abstract class UpdatedBaseModel implements CausalLm {
    private final DecoderModel base;
    private final boolean ownsBase;
    private final NDManager manager;

    /**
     * Wraps a base model.
     *
     * @param base the frozen base model
     * @param ownsBase whether {@link #close()} also closes the base (copies own theirs)
     * @param manager holds this model's own arrays; closed by {@link #close()}
     */
    protected UpdatedBaseModel(DecoderModel base, boolean ownsBase, NDManager manager) {
        this.base = base;
        this.ownsBase = ownsBase;
        this.manager = manager;
    }

    /**
     * The frozen base model.
     *
     * @return the base model (shared, not a copy)
     */
    public DecoderModel base() {
        return base;
    }

    /**
     * The updates {@code dW_l} of this forward pass, by parameter name, each with its parameter's shape.
     *
     * @param owner the manager of the step, which owns the returned arrays
     * @return the updates, in the base model's parameter order
     */
    protected abstract Map<String, NDArray> weightUpdates(NDManager owner);

    /**
     * {@inheritDoc}
     *
     * <p>Runs the base model with {@code W0_l + dW_l} for every updated matrix ({@link #weightUpdates}).
     */
    @Override
    public final NDArray hiddenStates(NDArray inputIds, NDArray attentionMask) {
        Map<String, NDArray> effective = new LinkedHashMap<>();
        NDManager owner = inputIds.getManager();
        for (Map.Entry<String, NDArray> e : weightUpdates(owner).entrySet()) {
            // W0_l + dW_l; a 16-bit W0_l is widened into the step's manager (DecoderModel.storeInHalf)
            effective.put(e.getKey(), e.getValue().add(base.weight(e.getKey(), owner)));
        }
        return base.withWeights(effective).hiddenStates(inputIds, attentionMask);
    }

    @Override
    public final NDArray logits(NDArray hidden) {
        return base.logits(hidden);
    }

    @Override
    public final Device device() {
        return base.device();
    }

    @Override
    public final NDManager manager() {
        return manager;
    }

    @Override
    public final int vocabSize() {
        return base.vocabSize();
    }

    /** Releases this model's arrays, and the base model if this model owns it. */
    @Override
    public void close() {
        manager.close();
        if (ownsBase) {
            base.close();
        }
    }
}
