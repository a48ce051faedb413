package dev.allo.pipeline;

import dev.allo.Allo;
import java.util.Objects;

/** A validated alignment run, ready to start. */
public final class Alignment {
    private final AlignmentPlan plan;

    Alignment(AlignmentPlan plan) {
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    /**
     * What will run.
     *
     * @return the validated plan
     */
    public AlignmentPlan plan() {
        return plan;
    }

    /**
     * The estimated peak memory of every training stage, computed from the model's shape, the data and the stages'
     * settings without running anything; {@link #run()} logs it and refuses a run that would not fit.
     *
     * @return the memory plan
     */
    public MemoryPlan memoryPlan() {
        return Allo.provider().memoryPlan(plan);
    }

    /**
     * Runs the locate stage (if any) and every stage in order.
     *
     * @return the aligned model, masks, metrics and configuration
     * @throws dev.allo.AlloException if the engine or a file fails, or a loss or gradient is not finite
     */
    public AlignmentResult run() {
        return Allo.provider().align(plan);
    }
}
