package dev.allo.train;

import java.util.List;
import java.util.Objects;

/**
 * What a finished stage did.
 *
 * @param stage the stage's name
 * @param steps the optimiser steps the stage has taken in total (including steps before a resume)
 * @param history the metrics of every step run by this call, in order
 * @param elapsedSeconds wall-clock seconds of this call, reference log-probs included
 */
public record StageResult(String stage, long steps, List<StepMetrics> history, double elapsedSeconds) {

    /** Copies the history. */
    public StageResult {
        Objects.requireNonNull(stage, "stage");
        history = List.copyOf(history);
    }

    /**
     * The metrics of the last step run, if any.
     *
     * @return the last step's metrics
     * @throws IllegalStateException if no step ran
     */
    public StepMetrics last() {
        if (history.isEmpty()) {
            throw new IllegalStateException("stage '" + stage + "' ran no steps");
        }
        return history.get(history.size() - 1);
    }
}
