package dev.allo.impl.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.UpdatedBaseModel;
import dev.allo.impl.model.OwnedArrays;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A LLaMA model with LoRA adapters on some of its linear layers: every targeted weight {@code W0 (out, in)} is used
 * as
 *
 * <pre>
 * W_eff = W0 + (alpha / r) * B A          A (r, in), B (out, r)                       (LoRA, Hu et al. 2021, Eq. 3)
 * </pre>
 *
 * <p>{@link #parameters()} holds <b>only</b> the adapters, under PEFT's names ({@link LoraNames}), so the training
 * loop and the masked optimisers train them unchanged while the base weights stay frozen (they never receive
 * gradients). Initialisation is PEFT's: {@code A ~ U(-1/sqrt(in), 1/sqrt(in))} (Kaiming-uniform with
 * {@code a = sqrt(5)}) drawn on the host from a {@link SplittableRandom}, {@code B = 0}; so at initialisation the
 * model computes exactly the base model's logits.
 *
 * <p>The forward builds {@code W_eff} for every targeted matrix inside the caller's step (owned by the manager of
 * the input ids) and runs the base model through {@link DecoderModel#withWeights(Map)}, so gradients reach {@code A}
 * and {@code B}; the base model's own forward path is untouched.
 *
 * <p><b>Dropout (difference from PEFT).</b> PEFT drops elements of the LoRA branch's input {@code x} per token.
 * Here the adapter enters through an effective weight, so dropout drops <i>input features</i> of {@code A} for the
 * whole forward call: {@code A_drop = A diag(m) / (1 - p)}, {@code m_i ~ Bernoulli(1 - p)} per input feature and
 * matrix, drawn from a seeded {@link SplittableRandom}. Both are unbiased ({@code E[A_drop] = A}). Dropout applies
 * only while the model is trainable ({@link #setTrainable(boolean)} true, which the training loop sets for its
 * steps and clears afterwards; reference log-probs are computed before); otherwise (evaluation) it is off.
 *
 * <p>Only the decoder layers' linear layers can be targeted ({@code lm_head} and the embedding are not, as with
 * PEFT's {@code all-linear}). Not thread-safe.
 */
public final class LoraModel extends UpdatedBaseModel {
    private final LoraConfig config;
    private final Map<String, NDArray> adapters;
    private final List<String> targets;
    private final SplittableRandom dropoutRandom;
    private boolean trainable;

    private LoraModel(DecoderModel base, boolean ownsBase, LoraConfig config, NDManager manager,
            Map<String, NDArray> adapters, List<String> targets, long dropoutSeed) {
        super(base, ownsBase, manager);
        this.config = config;
        this.adapters = Collections.unmodifiableMap(adapters);
        this.targets = List.copyOf(targets);
        this.dropoutRandom = new SplittableRandom(dropoutSeed);
    }

    /**
     * Adds fresh adapters to a base model: {@code A ~ U(-1/sqrt(in), 1/sqrt(in))}, {@code B = 0}.
     *
     * @param base the frozen base model; not owned (the caller closes it after this model)
     * @param config rank, alpha, dropout and target modules
     * @param seed seeds the draws of {@code A} (matrix by matrix in parameter order) and the dropout masks
     * @return the model, not trainable until {@link #setTrainable(boolean)}; the caller closes it
     */
    public static LoraModel create(DecoderModel base, LoraConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> targets = targetNames(base, config);
        NDManager manager = NDManager.newBaseManager(base.device());
        try {
            Map<String, NDArray> adapters = new LinkedHashMap<>();
            for (String name : targets) {
                Shape w = base.config().parameterShapes().get(name); // (out, in)
                int in = Math.toIntExact(w.get(1));
                double bound = 1.0 / Math.sqrt(in); // kaiming_uniform_(a = sqrt(5)): sqrt(6 / ((1 + 5) in))
                float[] a = new float[config.rank() * in];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((2 * random.nextDouble() - 1) * bound);
                }
                adapters.put(LoraNames.loraA(name), named(manager.create(a, new Shape(config.rank(), in)),
                        LoraNames.loraA(name)));
                adapters.put(LoraNames.loraB(name), named(manager.zeros(new Shape(w.get(0), config.rank())),
                        LoraNames.loraB(name)));
            }
            return new LoraModel(base, false, config, manager, adapters, targets, random.nextLong());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A model from existing adapter tensors (for example read from a PEFT checkpoint). Every adapter the config
     * implies must be present with its shape, and nothing else; the arrays are copied (float32, on the base model's
     * device), the caller keeps its own.
     *
     * @param base the frozen base model; not owned
     * @param config the config the adapters were trained with
     * @param tensors adapters by PEFT name
     * @param dropoutSeed seeds the dropout masks
     * @return the model; the caller closes it
     * @throws IllegalArgumentException naming a missing or unexpected tensor, or one with the wrong shape
     */
    public static LoraModel fromAdapters(DecoderModel base, LoraConfig config, Map<String, NDArray> tensors,
            long dropoutSeed) {
        return build(base, false, config, tensors, dropoutSeed);
    }

    private static LoraModel build(DecoderModel base, boolean ownsBase, LoraConfig config, Map<String, NDArray> tensors,
            long dropoutSeed) {
        List<String> targets = targetNames(base, config);
        Map<String, Shape> expected = new LinkedHashMap<>();
        for (String name : targets) {
            Shape w = base.config().parameterShapes().get(name);
            expected.put(LoraNames.loraA(name), new Shape(config.rank(), w.get(1)));
            expected.put(LoraNames.loraB(name), new Shape(w.get(0), config.rank()));
        }
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name)) {
                throw new IllegalArgumentException("unexpected adapter tensor '" + name + "' for r=" + config.rank()
                        + ", target_modules=" + config.targetModules() + "; expected " + expected.keySet());
            }
        }
        NDManager manager = NDManager.newBaseManager(base.device());
        try {
            Map<String, NDArray> adapters = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                NDArray t = tensors.get(e.getKey());
                if (t == null) {
                    throw new IllegalArgumentException("adapter tensor '" + e.getKey() + "' is missing");
                }
                if (!t.getShape().equals(e.getValue())) {
                    throw new IllegalArgumentException("adapter tensor '" + e.getKey() + "' has shape "
                            + t.getShape() + ", expected " + e.getValue() + " (r=" + config.rank() + ")");
                }
                adapters.put(e.getKey(), OwnedArrays.float32Copy(t, manager, e.getKey()));
            }
            return new LoraModel(base, ownsBase, config, manager, adapters, targets, dropoutSeed);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The base weights a config targets, in the model's parameter order.
     *
     * @param base the base model
     * @param config the config
     * @return names such as {@code model.layers.0.self_attn.q_proj.weight}
     */
    public static List<String> targetNames(DecoderModel base, LoraConfig config) {
        return targetNames(base.config(), config); // parameters and weights held in 16 bits alike
    }

    /**
     * The weights of a decoder configuration that a LoRA config targets, in parameter order.
     *
     * @param decoder the decoder's configuration
     * @param config the LoRA config
     * @return names such as {@code model.layers.0.self_attn.q_proj.weight}
     */
    public static List<String> targetNames(DecoderConfig decoder, LoraConfig config) {
        List<String> out = new ArrayList<>();
        for (String name : decoder.parameterShapes().keySet()) {
            // Projection weights only: biases (Qwen2 q/k/v) and norm weights stay frozen, as in PEFT.
            if (LoraNames.layer(name) >= 0 && name.endsWith(".weight") && config.targets(LoraNames.module(name))) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * The LoRA configuration.
     *
     * @return the config
     */
    public LoraConfig loraConfig() {
        return config;
    }

    /**
     * The adapted base weights, in parameter order.
     *
     * @return names such as {@code model.layers.0.self_attn.q_proj.weight}
     */
    public List<String> targets() {
        return targets;
    }

    /**
     * The incremental updates {@code dW = (alpha / r) B A} of every adapted matrix, without dropout and without a
     * gradient graph.
     *
     * @param into the manager that owns the results
     * @return {@code (out, in)} float32 arrays by base weight name, in parameter order
     */
    public Map<String, NDArray> deltas(NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : targets) {
            out.put(name, update(name, into, false, false));
        }
        return out;
    }

    /**
     * Merges the adapters into a plain model: {@code W = W0 + (alpha / r) B A} for every adapted matrix (float32),
     * every other weight copied (a weight the base holds in 16 bits stays so, see
     * {@link DecoderModel#storeInHalf}). The result shares nothing with this model.
     *
     * @return the merged model, not trainable; the caller closes it
     */
    public DecoderModel merge() {
        try (NDManager scratch = NDManager.newBaseManager(base().device())) {
            Map<String, NDArray> effective = new LinkedHashMap<>();
            for (String name : targets) {
                NDArray dw = update(name, scratch, false, false);
                effective.put(name, dw.add(base().weight(name, scratch))); // W0 + dW, in scratch
            }
            DecoderModel merged = base().withWeights(effective).copy();
            merged.setTrainable(false);
            return merged;
        }
    }

    /**
     * {@code (alpha / r) B A} for every adapted matrix, with dropout on {@code A}'s input features while trainable.
     */
    @Override
    protected Map<String, NDArray> weightUpdates(NDManager owner) {
        Map<String, NDArray> deltas = new LinkedHashMap<>();
        boolean dropout = trainable && config.dropout() > 0;
        for (String name : targets) {
            deltas.put(name, update(name, owner, dropout, true)); // (out, in), owned by the step
        }
        return deltas;
    }

    /**
     * The adapters {@code A} and {@code B} of every adapted matrix, by PEFT name, A before B, matrices in parameter
     * order. The base weights are not included: they are frozen.
     *
     * @return an unmodifiable, ordered map of the live adapter arrays
     */
    @Override
    public Map<String, NDArray> parameters() {
        return adapters;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Switches gradients of the adapters only (the base stays frozen) and turns dropout on (true) or off.
     */
    @Override
    public void setTrainable(boolean value) {
        for (NDArray p : adapters.values()) {
            p.setRequiresGradient(value);
        }
        this.trainable = value;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Copies the base model and the adapters; the copy owns both.
     */
    @Override
    public LoraModel copy(Device device) {
        DecoderModel baseCopy = base().copy(device);
        try {
            LoraModel copy = build(baseCopy, true, config, adapters, dropoutRandom.split().nextLong());
            copy.setTrainable(trainable);
            return copy;
        } catch (RuntimeException e) {
            baseCopy.close();
            throw e;
        }
    }

    @Override
    public LoraModel copy() {
        return copy(device());
    }

    private NDArray update(String name, NDManager into, boolean dropout, boolean withGradient) {
        NDArray a = adapters.get(LoraNames.loraA(name)); // (r, in)
        NDArray b = adapters.get(LoraNames.loraB(name)); // (out, r)
        if (!withGradient) {
            a = a.stopGradient();
            b = b.stopGradient();
            a.attach(into);
            b.attach(into);
        }
        NDArray effectiveA = a;
        if (dropout) {
            int in = Math.toIntExact(a.getShape().get(1));
            float keep = (float) (1.0 / (1.0 - config.dropout()));
            float[] m = new float[in];
            for (int i = 0; i < in; i++) {
                m[i] = dropoutRandom.nextDouble() < config.dropout() ? 0f : keep; // m_i / (1 - p)
            }
            NDArray mask = into.create(m, new Shape(1, in)); // (1, in), alive until the step's backward is done
            effectiveA = mask.mul(a); // (r, in)
        }
        NDArray product = b.matMul(effectiveA); // (out, in)
        product.attach(into);
        NDArray scale = into.full(new Shape(), (float) config.scaling(), DataType.FLOAT32); // engine-allocated
        return product.mul(scale); // LoRA Eq. (3): (alpha / r) B A
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }
}
