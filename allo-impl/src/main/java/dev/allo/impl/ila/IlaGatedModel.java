package dev.allo.impl.ila;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.UpdatedBaseModel;
import dev.allo.impl.model.OwnedArrays;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ILA's gated model: every weight matrix {@code l} with an incremental update {@code dW_l} is used as
 *
 * <pre>
 * W_l = W0_l + gamma_l dW_l,      gamma_l = sigmoid(s_l) = 1 / (1 + exp(-s_l))
 * </pre>
 *
 * with {@code W0} and {@code dW} frozen and the gate logits {@code s} ({@code (M)}, one per matrix, in the base
 * model's parameter order) the <b>only</b> parameter ({@value #GATES}), so the training loop and masked optimisers
 * learn the gates unchanged. {@code s -> +inf} gives the fully updated model {@code W0 + dW}, {@code s -> -inf} the
 * base model. The forward builds the gated weights inside the caller's step and runs the base model through
 * {@link DecoderModel#withWeights(Map)}.
 *
 * <p>Not thread-safe.
 */
public final class IlaGatedModel extends UpdatedBaseModel {
    /** The name of the gate-logit vector in {@link #parameters()}. */
    public static final String GATES = "ila.gate_logits";

    private final List<String> matrices;
    private final Map<String, NDArray> updates;
    private final NDArray gates;
    private final Map<String, NDArray> parameters;

    private IlaGatedModel(DecoderModel base, boolean ownsBase, Map<String, NDArray> updates, float[] logits) {
        super(base, ownsBase, NDManager.newBaseManager(base.device()));
        NDManager manager = manager();
        try {
            this.matrices = validatedMatrices(base, updates, logits);
            Map<String, NDArray> owned = new LinkedHashMap<>();
            for (String name : matrices) {
                owned.put(name, OwnedArrays.float32Copy(updates.get(name), manager));
            }
            this.updates = Collections.unmodifiableMap(owned);
            this.gates = manager.create(logits, new Shape(logits.length));
            gates.setName(GATES);
            this.parameters = Map.of(GATES, gates);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The updated matrices in the base model's parameter order, after checking names, shapes and gate count. */
    private static List<String> validatedMatrices(DecoderModel base, Map<String, NDArray> updates, float[] logits) {
        Map<String, NDArray> baseParams = base.parameters();
        List<String> names = new ArrayList<>();
        for (String name : baseParams.keySet()) {
            if (updates.containsKey(name)) {
                names.add(name); // the base model's order, whatever the map's
            }
        }
        for (Map.Entry<String, NDArray> e : updates.entrySet()) {
            NDArray w = baseParams.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("update '" + e.getKey() + "' names no parameter of the base model");
            }
            if (!w.getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException("update '" + e.getKey() + "' has shape " + e.getValue().getShape()
                        + ", but the parameter has shape " + w.getShape());
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("ILA needs at least one weight update, got none");
        }
        if (logits.length != names.size()) {
            throw new IllegalArgumentException("expected " + names.size() + " gate logits, got " + logits.length);
        }
        return List.copyOf(names);
    }

    /**
     * A gated model with every gate logit at {@code initialLogit}.
     *
     * @param base the frozen base model {@code W0}; not owned (close it after this model)
     * @param updates {@code dW_l} by parameter name, each with its parameter's shape; copied (float32)
     * @param initialLogit {@code s_l} at the start, for example 0 ({@code gamma = 0.5})
     * @return the model, not trainable until {@link #setTrainable(boolean)}; the caller closes it
     * @throws IllegalArgumentException if an update names no parameter or has another shape, or none is given
     */
    public static IlaGatedModel create(DecoderModel base, Map<String, NDArray> updates, double initialLogit) {
        int m = 0;
        for (String name : base.parameters().keySet()) {
            m += updates.containsKey(name) ? 1 : 0;
        }
        float[] logits = new float[m];
        java.util.Arrays.fill(logits, (float) initialLogit);
        return new IlaGatedModel(base, false, updates, logits);
    }

    /**
     * The gated matrices, in the base model's parameter order (the order of the gate vector).
     *
     * @return parameter names
     */
    public List<String> matrices() {
        return matrices;
    }

    /**
     * The frozen updates.
     *
     * @return {@code dW_l} by parameter name
     */
    public Map<String, NDArray> updates() {
        return updates;
    }

    /**
     * The current gate logits {@code s_l}, read to the host.
     *
     * @return one value per matrix of {@link #matrices()}
     */
    public float[] gateLogits() {
        return gates.toFloatArray();
    }

    /**
     * Sets every gate logit (for example to reproduce the fully updated model with large values).
     *
     * @param logits one value per matrix of {@link #matrices()}
     * @throws IllegalArgumentException if the length differs
     */
    public void setGateLogits(float[] logits) {
        if (logits.length != matrices.size()) {
            throw new IllegalArgumentException("expected " + matrices.size() + " gate logits, got " + logits.length);
        }
        boolean grad = gates.hasGradient();
        gates.setRequiresGradient(false);
        gates.set(logits);
        gates.setRequiresGradient(grad);
    }

    /**
     * The sum of the gates, {@code sum_l sigmoid(s_l)}, differentiable in {@code s}; ILA's sparsity penalty is
     * {@code lambda} times this.
     *
     * @param into the manager that owns the result and its intermediates (the caller's step)
     * @return a scalar
     */
    public NDArray gateSum(NDManager into) {
        NDArray gamma = Activation.sigmoid(gates); // (M)
        gamma.attach(into);
        return gamma.sum();
    }

    /** {@code dW_l} scaled by its gate {@code gamma_l = sigmoid(s_l)}, for every updated matrix. */
    @Override
    protected Map<String, NDArray> weightUpdates(NDManager owner) {
        NDArray gamma = Activation.sigmoid(gates); // (M), gamma_l = sigmoid(s_l)
        gamma.attach(owner);
        Map<String, NDArray> scaled = new LinkedHashMap<>();
        for (int l = 0; l < matrices.size(); l++) {
            String name = matrices.get(l);
            scaled.put(name, gamma.get(l).mul(updates.get(name))); // gamma_l dW_l, (out, in)
        }
        return scaled;
    }

    /**
     * {@inheritDoc}
     *
     * @return only the gate logits, {@value #GATES} of shape {@code (M)}
     */
    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public void setTrainable(boolean trainable) {
        gates.setRequiresGradient(trainable);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Copies the base model, the updates and the gates; the copy owns them.
     */
    @Override
    public IlaGatedModel copy(Device device) {
        DecoderModel baseCopy = base().copy(device);
        try {
            return new IlaGatedModel(baseCopy, true, updates, gateLogits());
        } catch (RuntimeException e) {
            baseCopy.close();
            throw e;
        }
    }
}
