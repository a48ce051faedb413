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
import java.util.function.IntConsumer;

/**
 * The step skeleton shared by the masked optimisers: validate, gather the selected gradients by precomputed
 * indices, clip them by their global norm, compute the scheduled learning rate, and let the subclass update.
 * Also owns the state (in a manager of its own, outside any step scope), its snapshot, restore and size. Each step
 * runs inside an {@link NDScope}, so its temporaries are freed when it returns, and the subclasses update one tensor
 * at a time inside a scope of its own ({@link #perTensor}), so that the step's peak is one clipped copy of the
 * group's gradients plus the temporaries of the largest tensor, not those of every tensor at once
 * ({@code (4 or 5) x 4} bytes per parameter under full-parameter AdamW). Its update runs with PyTorch's grad mode
 * off ({@link NoGrad}), so that it works on any thread.
 */
abstract class MaskedOptimizerBase implements MaskedOptimizer {
    private final String kind;
    private final NeuronMask mask;
    private final double baseLearningRate;
    private final LearningRateSchedule schedule;
    private final GradientClipping clipping;
    private final List<SelectedTensor> selected = new ArrayList<>();
    private final List<SelectedTensor> full = new ArrayList<>();
    private final SelectedGroup group;
    private final Map<String, NDArray> exposedState = new LinkedHashMap<>();
    private final List<NDArray> ownedState = new ArrayList<>();
    /** The manager of every array the optimiser keeps between steps. */
    protected final NDManager manager;
    private long stepCount;
    private boolean closed;

    /** The clipped gradients of one step. */
    static final class StepGradients {
        /** (K) selected gradients of the partly selected tensors, laid out as {@link #group()}; a fresh copy. */
        final NDArray group;
        /**
         * (n) per fully selected tensor, in {@link #full()} order, unclipped: views of the caller's gradients, read
         * only; {@link #clippedFull} scales one when it is used.
         */
        final List<NDArray> full;
        /** The caller's unclipped gradient of every tensor with a selected scalar: read only. */
        final Map<String, NDArray> raw;
        /** The clipping scale {@code c}: already applied to {@link #group}, applied to {@link #full} on use. */
        final double coefficient;
        /** The group's indices for this step, from {@link SelectedGroup#widenIndices()}. */
        final List<NDArray> groupIndices;

        StepGradients(NDArray group, List<NDArray> full, Map<String, NDArray> raw, double coefficient,
                List<NDArray> groupIndices) {
            this.group = group;
            this.full = full;
            this.raw = raw;
            this.coefficient = coefficient;
            this.groupIndices = groupIndices;
        }

        /**
         * The clipped gradient of fully selected tensor {@code i}: {@code c g_i}, a fresh array in the current scope
         * (one multiplication, exactly as a scaled copy of every tensor made up front), or the caller's view when
         * {@code c = 1}.
         */
        NDArray clippedFull(int i) {
            NDArray g = full.get(i); // (n)
            return coefficient == 1.0 ? g : g.mul(coefficient); // never scale the caller's gradient
        }
    }

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
                throw new IllegalArgumentException("parameter '" + p.getKey()
                        + "' must be float32 to be optimised, got " + p.getValue().getDataType());
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
                SelectedTensor s = SelectedTensor.of(mask, name);
                selected.add(s);
                if (s.isFull()) {
                    full.add(s);
                }
            }
        }
        this.group = new SelectedGroup(selected, mask, manager);
    }

    /**
     * Updates the selected scalars of the parameters, in place.
     *
     * @param parameters the live parameters
     * @param gradients the clipped selected gradients
     * @param learningRate lr_t
     * @param step t, the 1-based number of this step
     */
    abstract void update(Map<String, NDArray> parameters, StepGradients gradients, double learningRate, long step);

    /**
     * Runs {@code body} for {@code i = 0 .. count - 1}, each call inside an {@link NDScope} of its own: the arrays a
     * call creates are freed before the next begins, so the step's temporaries are those of one tensor at a time.
     * In-place updates of parameters and state are kept (they create no array).
     */
    static void perTensor(int count, IntConsumer body) {
        for (int i = 0; i < count; i++) {
            try (NDScope tensorScope = new NDScope()) {
                body.accept(i);
                tensorScope.suppressNotUsedWarning();
            }
        }
    }

    /** Every tensor with at least one selected scalar, in mask order. */
    final List<SelectedTensor> selected() {
        return Collections.unmodifiableList(selected);
    }

    /** The fully selected tensors, in mask order. */
    final List<SelectedTensor> full() {
        return Collections.unmodifiableList(full);
    }

    /** The partly selected tensors, laid end to end. */
    final SelectedGroup group() {
        return group;
    }

    /** Creates a zero state array kept between steps and counted by {@link #stateBytes()}. */
    final NDArray newState(Shape shape, DataType type) {
        NDArray array = manager.zeros(shape, type);
        ownedState.add(array);
        return array;
    }

    /** Exposes a state array (or a view of one) in snapshots as {@code tensorName + "/" + slot}. */
    final void exposeState(String tensorName, String slot, NDArray array) {
        exposedState.put(tensorName + "/" + slot, array);
    }

    /**
     * Creates one zero state vector for the group and one per fully selected tensor, exposing a per-tensor view of
     * each under {@code slot}.
     *
     * @return the group vector (null when the group is empty) followed by the full tensors' vectors
     */
    final List<NDArray> newSelectedState(String slot) {
        List<NDArray> out = new ArrayList<>();
        NDArray groupState = group.isEmpty() ? null : newState(new Shape(group.size()), DataType.FLOAT32);
        out.add(groupState);
        for (int i = 0; i < group.members().size(); i++) {
            exposeState(group.members().get(i).name(), slot, group.slice(groupState, i));
        }
        for (SelectedTensor s : full) {
            NDArray state = newState(new Shape(s.count()), DataType.FLOAT32);
            exposeState(s.name(), slot, state);
            out.add(state);
        }
        return out;
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
            Map<String, NDArray> raw = new LinkedHashMap<>();
            for (SelectedTensor s : selected) {
                NDArray p = parameters.get(s.name());
                if (!p.hasGradient()) {
                    throw new IllegalStateException("parameter '" + s.name() + "' has selected scalars but no "
                            + "gradient; make the model trainable and run backward before step()");
                }
                raw.put(s.name(), p.getGradient());
            }
            List<NDArray> groupIndices = group.widenIndices();
            NDArray groupGradient = group.isEmpty() ? null : group.gather(raw, g -> g, groupIndices); // (K), a copy
            List<NDArray> fullGradients = new ArrayList<>();
            NDList norms = new NDList();
            if (groupGradient != null) {
                norms.add(groupGradient.norm());
            }
            for (SelectedTensor s : full) {
                NDArray g = SelectedTensor.flat(raw.get(s.name())); // (n) view of the caller's gradient
                fullGradients.add(g);
                norms.add(g.norm());
            }
            NDArray total = norms.size() == 1 ? norms.get(0) : norms.isEmpty() ? null : NDArrays.stack(norms).norm();
            norm = total == null ? 0.0 : total.getFloat(); // ||g_selected||_2
            coefficient = clipping.coefficient(norm);
            if (coefficient != 1.0 && groupGradient != null) {
                groupGradient.muli(coefficient); // a copy: scaled in place
            }
            StepGradients gradients = new StepGradients(groupGradient, fullGradients, raw, coefficient, groupIndices);
            NoGrad.run(() -> update(parameters, gradients, learningRate, t));
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
        exposedState.forEach((name, array) -> {
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
        if (!state.tensors().keySet().equals(exposedState.keySet())) {
            throw new IllegalArgumentException("optimizer state tensors differ: expected " + exposedState.keySet()
                    + ", got " + state.tensors().keySet());
        }
        for (Map.Entry<String, NDArray> e : exposedState.entrySet()) {
            Shape expected = e.getValue().getShape();
            NDArray source = state.tensors().get(e.getKey());
            if (!source.getShape().equals(expected) || source.getDataType() != e.getValue().getDataType()) {
                throw new IllegalArgumentException("optimizer state tensor '" + e.getKey() + "' must be "
                        + e.getValue().getDataType() + " " + expected + ", got " + source.getDataType() + " "
                        + source.getShape());
            }
        }
        try (NDScope scope = new NDScope()) {
            exposedState.forEach((name, array) -> SelectedTensor.copyInto(
                    array, state.tensors().get(name).toDevice(array.getDevice(), false)));
            scope.suppressNotUsedWarning();
        }
        stepCount = state.step();
    }

    @Override
    public final long stateBytes() {
        long bytes = 0;
        for (NDArray a : ownedState) {
            bytes += a.size() * a.getDataType().getNumOfBytes();
        }
        return bytes + group.indexBytes();
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
