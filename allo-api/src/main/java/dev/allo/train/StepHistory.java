package dev.allo.train;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded, evenly thinned record of a stage's steps, so that a stage of any length keeps at most
 * {@link #capacity()} {@link StepMetrics} in memory (the complete record is the stage's metrics log on disk).
 *
 * <p>It keeps the steps whose position {@code i} (0 for the first step added) is a multiple of a stride
 * {@code s}, plus always the last step added; {@code s} is the smallest power of two with
 * {@code ceil(n / s) <= capacity - 1} for {@code n} steps added (doubled as steps come in), so while fewer than
 * {@code capacity} steps were added it holds every one. So the list always
 * starts with the first step and ends with the last, its points are evenly spaced ({@code s} steps apart, except the
 * final gap), and it has at most {@code capacity} entries; which steps are kept depends only on the number added.
 */
public final class StepHistory {
    /** The capacity of a stage's history in {@link StageResult#history()}. */
    public static final int DEFAULT_CAPACITY = 2048;

    private final int capacity;
    private final List<StepMetrics> kept = new ArrayList<>();
    private long stride = 1;
    private long added;
    private StepMetrics last;

    /**
     * Creates an empty history.
     *
     * @param capacity the most entries {@link #toList()} returns, at least 2
     */
    public StepHistory(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be >= 2, got " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Records the next step.
     *
     * @param step the step's metrics
     */
    public void add(StepMetrics step) {
        if (added % stride == 0) {
            kept.add(step);
            if (kept.size() > capacity - 1) {
                stride *= 2;
                List<StepMetrics> thinned = new ArrayList<>(capacity / 2 + 1);
                for (int i = 0; i < kept.size(); i += 2) {
                    thinned.add(kept.get(i));
                }
                kept.clear();
                kept.addAll(thinned);
            }
        }
        last = step;
        added++;
    }

    /**
     * The number of steps added.
     *
     * @return the count
     */
    public long count() {
        return added;
    }

    /**
     * The most entries {@link #toList()} returns.
     *
     * @return the capacity
     */
    public int capacity() {
        return capacity;
    }

    /**
     * The kept steps in order, the first and the last added included.
     *
     * @return a new list of at most {@link #capacity()} entries
     */
    public List<StepMetrics> toList() {
        List<StepMetrics> out = new ArrayList<>(kept);
        if (last != null && (out.isEmpty() || out.get(out.size() - 1) != last)) {
            out.add(last);
        }
        return out;
    }

    /**
     * The last step added.
     *
     * @return its metrics, or null when none was added
     */
    public StepMetrics last() {
        return last;
    }
}
