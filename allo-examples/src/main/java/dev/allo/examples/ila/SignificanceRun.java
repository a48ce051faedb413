package dev.allo.examples.ila;

import dev.allo.impl.ila.LayerSignificance;
import dev.allo.impl.ila.UpdateStabilityMonitor;
import java.util.List;

/**
 * One ILA run: the learned layer significance of one task variant and seed, and how its warm-up ended.
 *
 * @param task the task variant's name
 * @param seed the seed
 * @param significance the ranking
 * @param warmUpSteps optimiser steps the warm-up took
 * @param checks the stability checks of the warm-up ({@code ||U_t - U_prev|| / ||U_t||})
 * @param seconds wall time of warm-up plus gate training
 */
public record SignificanceRun(String task, long seed, LayerSignificance significance, long warmUpSteps,
        List<UpdateStabilityMonitor.Check> checks, double seconds) {

    /** Copies the checks. */
    public SignificanceRun {
        checks = List.copyOf(checks);
    }

    /**
     * Whether the warm-up ended by the stability rule rather than the step cap.
     *
     * @return true if the last check was stable
     */
    public boolean stoppedStable() {
        return !checks.isEmpty() && checks.get(checks.size() - 1).stable();
    }
}
