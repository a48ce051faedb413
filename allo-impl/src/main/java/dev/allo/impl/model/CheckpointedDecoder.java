package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.allo.model.CausalLm;
import java.util.Map;
import java.util.Objects;

/**
 * Gradient checkpointing per decoder block for a {@link DecoderModel}: a training forward pass keeps only each
 * block's input, and {@link #backward} recomputes each block's activations when the backward pass reaches it, so
 * the activations of one block exist at a time instead of those of all {@code L} (Chen et al., "Training Deep Nets
 * with Sublinear Memory Cost", arXiv 1604.06174, Sec. 3; the per-layer variant that Hugging Face's
 * {@code gradient_checkpointing_enable} applies).
 *
 * <p>DJL has no custom autograd functions, so the backward pass is split into segments, one per block, each a
 * separate backward call whose parameter gradients PyTorch adds into the parameters' {@code .grad}:
 *
 * <pre>
 * forward, grad mode off:   x_0 = embed(ids); x_l = block_l(x_{l-1}), keeping x_1 .. x_{L-1}     (B, T, H) each
 * head, grad mode on:       x_L a leaf requiring grad; hidden = RMSNorm(x_L) goes to the caller's head and loss
 * caller:                   backward(loss)        gives the head's and final norm's gradients and g_L = dLoss/dx_L
 * backward(collector), for l = L .. 1:
 *                           y = block_l(x_{l-1}), x_{l-1} a leaf requiring grad (l = 1: y = block_1(embed(ids)))
 *                           backward(sum(y * g_l))        adds dLoss/dtheta_l;  g_{l-1} = dLoss/dx_{l-1}
 * </pre>
 *
 * <p>{@code d sum(y * g) / dy = g} exactly, so every segment propagates the same vector as one backward pass through
 * the whole graph, and each parameter of a block receives its gradient in one backward call as it would without
 * checkpointing (the tied embedding gets the head's share in the caller's call and the lookup's in the last
 * segment, added). The recomputed activations equal the kept-free ones: the same operations on the same inputs.
 * The cost is one more forward pass of the blocks (not the head).
 *
 * <p>Use: wrap the policy, run the training forward through the wrapper inside a {@link GradientCollector}, call
 * {@code collector.backward(loss)}, then {@link #backward(GradientCollector)} with the same open collector. Outside
 * grad mode (no collector open: evaluation, reference log-probs) {@link #hiddenStates} is the model's own. Passes that
 * never reach {@link #backward} are freed by {@link #discard()} (and with the manager of their input ids).
 *
 * <p>Not thread-safe.
 */
public final class CheckpointedDecoder implements CausalLm {
    private final DecoderModel model;
    private final int layers;
    private final PendingPasses pending = new PendingPasses();

    private CheckpointedDecoder(DecoderModel model) {
        this.model = model;
        this.layers = model.layerCount();
    }

    /**
     * Wraps a policy.
     *
     * @param policy the policy; must be a {@link DecoderModel} (full-parameter or masked training)
     * @return the wrapper, sharing the policy's parameters
     * @throws IllegalArgumentException if the policy is another kind of model, such as a LoRA or ILA-gated model
     *     (their effective weights are computed from adapters once per pass, which the per-block recomputation
     *     does not redo)
     */
    public static CheckpointedDecoder of(CausalLm policy) {
        Objects.requireNonNull(policy, "policy");
        if (!(policy instanceof DecoderModel decoder)) {
            throw new IllegalArgumentException("gradient checkpointing needs a DecoderModel policy (full-parameter"
                    + " or masked training), got " + policy.getClass().getSimpleName() + "; LoRA and ILA-gated"
                    + " models train without it: turn gradientCheckpointing off for this stage");
        }
        return new CheckpointedDecoder(decoder);
    }

    /**
     * The wrapped model.
     *
     * @return the model
     */
    public DecoderModel model() {
        return model;
    }

    /**
     * {@inheritDoc}
     *
     * <p>In grad mode the blocks run without recording (keeping each block's input) and only the final norm is
     * recorded, from {@code x_L}; the pass waits for {@link #backward(GradientCollector)}. Otherwise this is
     * {@link DecoderModel#hiddenStates(NDArray, NDArray)}.
     */
    @Override
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask) {
        if (!JniUtils.isGradMode()) {
            return model.hiddenStates(inputIds, attentionMask);
        }
        NDManager owner = inputIds.getManager();
        NDManager passManager = owner.newSubManager(model.device());
        try {
            NDArray[] inputs = new NDArray[layers]; // inputs[l] = x_l, the input of block l + 1; [0] unused
            DecoderModel.PassInputs in;
            NDArray last;
            JniUtils.setGradMode(false);
            try {
                in = model.prepare(inputIds, attentionMask, null, passManager);
                NDArray x = model.embed(in.ids(), passManager); // (B, T, H)
                x.attach(passManager);
                for (int l = 0; l < layers; l++) {
                    if (l > 0) {
                        inputs[l] = x;
                    }
                    NDArray next = model.runLayer(l, in, x, null); // (B, T, H), no graph
                    next.attach(passManager);
                    if (l == 0) {
                        x.close(); // x_0 is recomputed from the ids in the last segment
                    }
                    x = next;
                }
                last = x; // x_L
            } finally {
                JniUtils.setGradMode(true);
            }
            last.setRequiresGradient(true); // a leaf: the caller's backward stops here and leaves dLoss/dx_L
            NDArray hidden = model.finalNorm(last); // (B, T, H), recorded
            hidden.attach(owner);
            pending.add(new Pass(passManager, in, inputs, last));
            return hidden;
        } catch (RuntimeException e) {
            passManager.close();
            throw e;
        }
    }

    /**
     * Finishes the backward pass of every pass run since the last call: for each, block by block from the last,
     * recomputes the block with gradient recording and back-propagates {@code dLoss/dx_l} through it, adding the
     * blocks' (and the embedding's) parameter gradients. Call after {@code collector.backward(loss)}, with the same
     * collector still open. A pass whose output the loss did not read contributes nothing.
     *
     * @param collector the open gradient collector of the caller's backward pass
     */
    public void backward(GradientCollector collector) {
        Objects.requireNonNull(collector, "collector");
        pending.backwardAll(collector);
    }

    /** Frees the kept inputs of every pass not yet back-propagated (after a failed step). */
    public void discard() {
        pending.discard();
    }

    /**
     * The passes waiting for {@link #backward(GradientCollector)}.
     *
     * @return the count
     */
    public int pendingPasses() {
        return pending.size();
    }

    @Override
    public NDArray logits(NDArray hidden) {
        return model.logits(hidden);
    }

    @Override
    public Map<String, NDArray> parameters() {
        return model.parameters();
    }

    @Override
    public void setTrainable(boolean trainable) {
        model.setTrainable(trainable);
    }

    @Override
    public CausalLm copy(Device target) {
        return model.copy(target);
    }

    @Override
    public Device device() {
        return model.device();
    }

    @Override
    public NDManager manager() {
        return model.manager();
    }

    @Override
    public int vocabSize() {
        return model.vocabSize();
    }

    /** Frees pending passes; the wrapped model stays open (its owner closes it). */
    @Override
    public void close() {
        discard();
    }

    /** One forward pass waiting for its block-by-block backward; every array in it belongs to {@code manager}. */
    private final class Pass implements PendingPasses.Pass {
        private final NDManager manager;
        private final DecoderModel.PassInputs in;
        private final NDArray[] inputs;
        private final NDArray last;

        Pass(NDManager manager, DecoderModel.PassInputs in, NDArray[] inputs, NDArray last) {
            this.manager = manager;
            this.in = in;
            this.inputs = inputs;
            this.last = last;
        }

        @Override
        public NDManager manager() {
            return manager;
        }

        @Override
        public void backward(GradientCollector collector) {
            NDArray g = last.getGradient(); // (B, T, H) dLoss/dx_L (zeros if the loss did not read this pass)
            for (int l = layers - 1; l >= 0; l--) {
                try (NDManager segment = manager.newSubManager()) {
                    NDArray x;
                    if (l > 0) {
                        x = inputs[l]; // x_l, kept without graph
                        x.setRequiresGradient(true);
                    } else {
                        x = model.embed(in.ids(), segment); // recorded: the lookup's gradient reaches embed_tokens
                        x.attach(segment);
                    }
                    NDArray y = model.runLayer(l, in, x, null); // (B, T, H), recorded
                    y.attach(segment);
                    NDArray target = y.mul(g).sum(); // d target / d y = g
                    target.attach(segment);
                    collector.backward(target);
                    g.close();
                    if (l > 0) {
                        g = x.getGradient(); // dLoss/dx_l, the next segment's g
                        g.attach(manager);
                        x.close();
                        inputs[l] = null;
                    } else {
                        g = null;
                    }
                }
            }
        }
    }
}
