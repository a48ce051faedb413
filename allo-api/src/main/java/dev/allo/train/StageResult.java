package dev.allo.train;

import java.util.List;
import java.util.Objects;

/**
 * What a finished stage did.
 *
 * <p>Memory stays bounded however long the stage: {@link #history()} is not every step but a {@link StepHistory}
 * sample of at most {@link StepHistory#DEFAULT_CAPACITY} steps of this call (every step when fewer ran; otherwise
 * evenly thinned, always with the first and the last step of this call). Every step's metrics are in the stage's
 * metrics log on disk ({@code metrics.jsonl} of the pipeline).
 *
 * @param stage the stage's name
 * @param steps the optimiser steps the stage has taken in total (including steps before a resume)
 * @param stepsRun the optimiser steps run by this call (0 for a stage restored from a checkpoint of its last step)
 * @param history a bounded sample of the steps run by this call, in step order (see above); empty when none ran
 * @param lastStep the metrics of the stage's last step taken, also when it was taken before a resume (from the
 *     checkpoint); null only for a stage that has taken no step
 * @param elapsedSeconds wall-clock seconds of this call, reference log-probs included
 */
public record StageResult(String stage, long steps, long stepsRun, List<StepMetrics> history, StepMetrics lastStep,
        double elapsedSeconds) {

    /**
     * Validates and copies the history.
     *
     * @throws IllegalArgumentException if the history is longer than {@code stepsRun}, or its last entry is not
     *     {@code lastStep}
     */
    public StageResult {
        Objects.requireNonNull(stage, "stage");
        history = List.copyOf(history);
        if (stepsRun < 0 || history.size() > stepsRun) {
            throw new IllegalArgumentException("stage '" + stage + "': a history of " + history.size()
                    + " steps does not fit " + stepsRun + " steps run");
        }
        if (!history.isEmpty() && !history.get(history.size() - 1).equals(lastStep)) {
            throw new IllegalArgumentException("stage '" + stage + "': the history's last step "
                    + history.get(history.size() - 1).step() + " is not the last step " + lastStep);
        }
    }

    /**
     * A result that holds every step run by the call.
     *
     * @param stage the stage's name
     * @param steps the optimiser steps taken in total
     * @param history every step run by this call, in order
     * @param elapsedSeconds wall-clock seconds of this call
     */
    public StageResult(String stage, long steps, List<StepMetrics> history, double elapsedSeconds) {
        this(stage, steps, history.size(), history, history.isEmpty() ? null : history.get(history.size() - 1),
                elapsedSeconds);
    }

    /**
     * The metrics of the stage's last step: the last step run by this call, or, for a stage restored from a
     * checkpoint of its last step, that step's metrics as the checkpoint recorded them.
     *
     * @return the last step's metrics
     * @throws IllegalStateException if the stage has taken no step
     */
    public StepMetrics last() {
        if (lastStep == null) {
            throw new IllegalStateException("stage '" + stage + "' has taken no steps");
        }
        return lastStep;
    }
}
