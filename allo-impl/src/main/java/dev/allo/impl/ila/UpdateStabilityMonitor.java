package dev.allo.impl.ila;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * ILA's stopping rule for the warm-up that produces the updates {@code dW}: every {@code every} steps the current
 * updates {@code U_t} are compared with those of the previous check,
 *
 * <pre>
 * delta_t = ||U_t - U_{t-every}||_F / ||U_t||_F          (Frobenius norms over all matrices together)
 * </pre>
 *
 * and the warm-up is stable once {@code delta_t < epsilon}. Register the monitor as a listener of the warm-up (for
 * example {@code TrainingImportanceContext.builder(pairs).listener(monitor)}) and hand it to
 * {@link UpdateSource#fullWarmUp(UpdateStabilityMonitor)} or {@link UpdateSource#loraWarmUp}, which tell it how to
 * read the updates; when {@code stopWhenStable} is set, reaching stability ends the warm-up at that step (the monitor
 * throws {@link UpdateStabilized}, which the update source catches). Every check is recorded ({@link #checks()})
 * and, when a downstream listener is given, forwarded with the step's metrics plus
 * {@value #RELATIVE_CHANGE} (NaN on steps without a check or at the first check).
 */
public final class UpdateStabilityMonitor implements TrainingListener, AutoCloseable {
    /** The metric name of {@code delta_t}. */
    public static final String RELATIVE_CHANGE = "ila/update_relative_change";

    private final int every;
    private final double epsilon;
    private final boolean stopWhenStable;
    private final TrainingListener downstream;
    private final List<Check> checks = new ArrayList<>();
    private Function<NDManager, Map<String, NDArray>> updates;
    private Device device;
    private NDManager previousManager;
    private Map<String, NDArray> previous;

    /**
     * One check.
     *
     * @param step the optimiser step after which the updates were read
     * @param relativeChange {@code delta_t}, NaN at the first check
     * @param stable whether {@code delta_t < epsilon}
     */
    public record Check(long step, double relativeChange, boolean stable) {}

    /** Thrown by the monitor to end a warm-up that became stable; caught by the update sources. */
    public static final class UpdateStabilized extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UpdateStabilized(long step, double change) {
            super("the weight updates became stable at step " + step + " (relative change " + change + ")", null,
                    false, false);
        }
    }

    /**
     * A monitor.
     *
     * @param every check every this many steps, {@code >= 1}
     * @param epsilon the stability threshold on {@code delta_t}, {@code > 0}
     * @param stopWhenStable whether a stable check ends the warm-up
     * @param downstream receives every step's metrics with {@value #RELATIVE_CHANGE} added, or null
     * @throws IllegalArgumentException if {@code every < 1} or {@code epsilon <= 0}
     */
    public UpdateStabilityMonitor(int every, double epsilon, boolean stopWhenStable, TrainingListener downstream) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
        }
        this.every = every;
        this.epsilon = epsilon;
        this.stopWhenStable = stopWhenStable;
        this.downstream = downstream;
    }

    /**
     * Tells the monitor how to read the current updates; resets its history. Called by the update sources before
     * the warm-up starts.
     *
     * @param device where the updates are read to
     * @param source computes the current {@code U_t} into the given manager
     */
    public void watch(Device device, Function<NDManager, Map<String, NDArray>> source) {
        this.device = device;
        this.updates = source;
        checks.clear();
        closePrevious();
    }

    /**
     * The checks so far, in step order.
     *
     * @return the checks
     */
    public List<Check> checks() {
        return List.copyOf(checks);
    }

    /**
     * Whether the last check was stable.
     *
     * @return true if a check was made and its relative change was below epsilon
     */
    public boolean isStable() {
        return !checks.isEmpty() && checks.get(checks.size() - 1).stable();
    }

    @Override
    public void onStep(StepMetrics metrics) {
        double change = Double.NaN;
        boolean stable = false;
        if (updates != null && metrics.step() % every == 0) {
            NDManager current = NDManager.newBaseManager(device);
            Map<String, NDArray> now = updates.apply(current);
            if (previous != null) {
                double diff = 0;
                double norm = 0;
                for (Map.Entry<String, NDArray> e : now.entrySet()) {
                    NDArray d = e.getValue().sub(previous.get(e.getKey()));
                    diff += d.square().sum().getFloat(); // ||U_t - U_prev||_F^2
                    norm += e.getValue().square().sum().getFloat(); // ||U_t||_F^2
                }
                change = norm > 0 ? Math.sqrt(diff / norm) : (diff > 0 ? Double.POSITIVE_INFINITY : 0.0);
                stable = change < epsilon;
            }
            checks.add(new Check(metrics.step(), change, stable));
            closePrevious();
            previousManager = current;
            previous = now;
        }
        if (downstream != null) {
            Map<String, Double> m = new LinkedHashMap<>(metrics.metrics());
            m.put(RELATIVE_CHANGE, change);
            downstream.onStep(new StepMetrics(metrics.stage(), metrics.step(), metrics.epoch(), m));
        }
        if (stable && stopWhenStable) {
            throw new UpdateStabilized(metrics.step(), change);
        }
    }

    @Override
    public void onStageStart(dev.allo.train.StageStart start) {
        if (downstream != null) {
            downstream.onStageStart(start);
        }
    }

    @Override
    public void onStageEnd(dev.allo.train.StageResult result) {
        if (downstream != null) {
            downstream.onStageEnd(result);
        }
    }

    /** Releases the stored updates of the last check. */
    @Override
    public void close() {
        closePrevious();
    }

    private void closePrevious() {
        if (previousManager != null) {
            previousManager.close();
            previousManager = null;
            previous = null;
        }
    }
}
