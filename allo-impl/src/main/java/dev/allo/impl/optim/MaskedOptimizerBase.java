package dev.allo.impl.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.MaskedOptimizer;
import dev.allo.optim.OptimizerState;
import dev.allo.optim.StepResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The step skeleton shared by the masked optimisers: validate, gather the selected gradients by precomputed
 * indices, clip by their global norm, compute the scheduled learning rate, and let the subclass update each tensor.
 * Also owns the state tensors (in a manager of its own, outside any step scope), their snapshot and restore, and
 * their size. Each step runs inside an {@link NDScope}, so its temporaries are freed when it returns.
 */
abstract class MaskedOptimizerBase implements MaskedOptimizer {
    private final String kind;
    private final NeuronMask mask;
    private final double baseLearningRate;
    private final LearningRateSchedule schedule;
    private final GradientClipping clipping;
    private final List<SelectedTensor> selected = new ArrayList<>();
    private final Map<String, NDArray> stateTensors = new LinkedHashMap<>();
    /** The manager of every array the optimiser keeps between steps. */
    protected final NDManager manager;
    private long stepCount;
    private boolean closed;

    MaskedOptimizerBase(String kind, NeuronMask mask, Map<String, NDArray> parameters, double baseLearningRate,
            LearningRateSchedule schedule, GradientClipping clipping) {
        this.kind = kind;
        this.mask = Objects.requireNonNull(mask, "mask");
        this.baseLearningRate = baseLearningRate;
        this.schedule = schedule;
        this.clipping = clipping;
        mask.checkMatches(parameters);
        Device device = null;
        for (Map.Entry<String, NDArray> p : parameters.entrySet()) {
            if (p.getValue().getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("parameter '" + p.getKey() + "' must be float32 to be optimised, got "
                        + p.getValue().getDataType());
            }
            if (device == null) {
                device = p.getValue().getDevice();
            } else if (!device.equals(p.getValue().getDevice())) {
                throw new IllegalArgumentException("parameter '" + p.getKey() + "' is on " + p.getValue().getDevice()
                        + " but the first parameter is on " + device + "; all parameters must share one device");
            }
        }
        this.manager = NDManager.newBaseManager(device);
        for (String name : mask.tensorNames()) {
            if (mask.selectedCount(name) > 0) {
                selected.add(SelectedTensor.of(mask, name, manager));
            }
        }
    }

    /**
     * Updates one tensor's selected scalars.
     *
     * @param i the tensor's position in {@link #selected()}
     * @param tensor the tensor's selection
     * @param parameter the live parameter, updated in place
     * @param gradient the full, unclipped gradient (not to be modified)
     * @param selectedGradient the selected gradient scalars, (K), already clipped; may be a view of the gradient,
     *     so never modify it in place
     * @param clipCoefficient the clipping scale already applied to {@code selectedGradient}
     * @param learningRate lr_t
     * @param step t, the 1-based number of this step
     */
    abstract void update(int i, SelectedTensor tensor, NDArray parameter, NDArray gradient, NDArray selectedGradient,
            double clipCoefficient, double learningRate, long step);

    /** Registers a persistent state tensor under {@code tensorName + "/" + slot}. */
    final NDArray addState(String tensorName, String slot, NDArray array) {
        stateTensors.put(tensorName + "/" + slot, array);
        return array;
    }

    final List<SelectedTensor> selected() {
        return Collections.unmodifiableList(selected);
    }

    /** Adds bytes kept outside the state map (masks) to {@link #stateBytes()}. */
    long extraStateBytes() {
        return 0;
    }

    @Override
    public final StepResult step(Map<String, NDArray> parameters) {
        checkOpen();
        mask.checkMatches(parameters);
        double learningRate = learningRate();
        long t = stepCount + 1;
        double norm;
        double coefficient;
        try (NDScope scope = new NDScope()) {
            List<NDArray> gradients = new ArrayList<>();
            List<NDArray> selectedGradients = new ArrayList<>();
            NDList norms = new NDList();
            for (SelectedTensor s : selected) {
                NDArray p = parameters.get(s.name());
                if (!p.hasGradient()) {
                    throw new IllegalStateException("parameter '" + s.name() + "' has selected scalars but no "
                            + "gradient; make the model trainable and run backward before step()");
                }
                NDArray g = p.getGradient();
                NDArray gs = s.gather(g); // (K)
                gradients.add(g);
                selectedGradients.add(gs);
                norms.add(gs.norm());
            }
            norm = norms.isEmpty() ? 0.0 : NDArrays.stack(norms).norm().getFloat(); // ||g_selected||_2
            coefficient = clipping.coefficient(norm);
            for (int i = 0; i < selected.size(); i++) {
                SelectedTensor s = selected.get(i);
                NDArray gs = selectedGradients.get(i);
                if (coefficient != 1.0) {
                    gs = s.isFull() ? gs.mul(coefficient) : gs.muli(coefficient); // never scale the caller's gradient
                }
                update(i, s, parameters.get(s.name()), gradients.get(i), gs, coefficient, learningRate, t);
            }
            scope.suppressNotUsedWarning();
        }
        stepCount = t;
        return new StepResult(t, learningRate, norm, coefficient);
    }

    @Override
    public final NeuronMask mask() {
        return mask;
    }

    @Override
    public final long stepCount() {
        return stepCount;
    }

    @Override
    public final double learningRate() {
        return baseLearningRate * schedule.multiplier(stepCount);
    }

    @Override
    public final OptimizerState state(NDManager target) {
        checkOpen();
        Map<String, NDArray> copies = new LinkedHashMap<>();
        stateTensors.forEach((name, array) -> {
            NDArray copy = array.duplicate();
            copy.attach(target);
            copies.put(name, copy);
        });
        return new OptimizerState(kind, stepCount, mask.fingerprint(), copies);
    }

    @Override
    public final void restore(OptimizerState state) {
        checkOpen();
        if (!kind.equals(state.optimizer())) {
            throw new IllegalArgumentException(
                    "optimizer state is from " + state.optimizer() + ", cannot restore it into " + kind);
        }
        if (state.maskFingerprint() != mask.fingerprint()) {
            throw new IllegalArgumentException(String.format("optimizer state belongs to a different mask: "
                    + "fingerprint %08x, this optimizer's mask has %08x", state.maskFingerprint(), mask.fingerprint()));
        }
        if (!state.tensors().keySet().equals(stateTensors.keySet())) {
            throw new IllegalArgumentException("optimizer state tensors differ: expected " + stateTensors.keySet()
                    + ", got " + state.tensors().keySet());
        }
        for (Map.Entry<String, NDArray> e : stateTensors.entrySet()) {
            Shape expected = e.getValue().getShape();
            NDArray source = state.tensors().get(e.getKey());
            if (!source.getShape().equals(expected) || source.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("optimizer state tensor '" + e.getKey() + "' must be float32 "
                        + expected + ", got " + source.getDataType() + " " + source.getShape());
            }
        }
        try (NDScope scope = new NDScope()) {
            stateTensors.forEach((name, array) -> SelectedTensor.copyInto(
                    array, state.tensors().get(name).toDevice(array.getDevice(), false)));
            scope.suppressNotUsedWarning();
        }
        stepCount = state.step();
    }

    @Override
    public final long stateBytes() {
        long bytes = extraStateBytes();
        for (NDArray a : stateTensors.values()) {
            bytes += a.size() * a.getDataType().getNumOfBytes();
        }
        for (SelectedTensor s : selected) {
            bytes += s.indexBytes();
        }
        return bytes;
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(kind + " is closed");
        }
    }

    @Override
    public String toString() {
        return kind + "[" + mask + ", step " + stepCount + "]";
    }
}
