package dev.allo.impl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.model.CausalLm;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link CausalLm} that is only its named parameters, for code that touches parameters and nothing else
 * (estimators that need no forward pass, optimisers). The forward methods are not available.
 */
public final class ParameterOnlyModel implements CausalLm {
    private final NDManager manager;
    private final Map<String, NDArray> parameters;

    /** Takes the arrays into a manager of its own. */
    public ParameterOnlyModel(Device device, Map<String, NDArray> parameters) {
        this.manager = NDManager.newBaseManager(device);
        Map<String, NDArray> owned = new LinkedHashMap<>();
        parameters.forEach((name, p) -> {
            p.attach(manager);
            owned.put(name, p);
        });
        this.parameters = Collections.unmodifiableMap(owned);
    }

    @Override
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask) {
        throw new UnsupportedOperationException("ParameterOnlyModel has no forward pass");
    }

    @Override
    public NDArray logits(NDArray hidden) {
        throw new UnsupportedOperationException("ParameterOnlyModel has no forward pass");
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public void setTrainable(boolean trainable) {
        parameters.values().forEach(p -> p.setRequiresGradient(trainable));
    }

    @Override
    public CausalLm copy(Device device) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        parameters.forEach((name, p) -> copies.put(name, p.toDevice(device, true)));
        return new ParameterOnlyModel(device, copies);
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public int vocabSize() {
        throw new UnsupportedOperationException("ParameterOnlyModel has no vocabulary");
    }

    @Override
    public void close() {
        manager.close();
    }
}
