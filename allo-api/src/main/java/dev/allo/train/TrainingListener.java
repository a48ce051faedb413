package dev.allo.train;

/**
 * Observes a training stage; every method is a no-op by default. Called on the training thread, between optimiser
 * steps (never while a gradient collector is open). An exception thrown here stops the stage.
 */
public interface TrainingListener {

    /**
     * Called once before the first step, after the reference log-probs are ready.
     *
     * @param start the stage's size and position
     */
    default void onStageStart(StageStart start) {}

    /**
     * Called after every optimiser step.
     *
     * @param metrics the step's metrics
     */
    default void onStep(StepMetrics metrics) {}

    /**
     * Called once after the last step.
     *
     * @param result what the stage did
     */
    default void onStageEnd(StageResult result) {}

    /**
     * Called after {@link #onStageEnd} for every warning about the finished stage (for example: it took fewer than
     * 10 optimiser steps, or its loss did not move), the same text the pipeline logs at WARN level. Lets a program
     * show the warnings where its logging is silenced (such as under {@code mvn -q exec:java}, where Maven's own
     * logger, at ERROR level, takes the log).
     *
     * @param warning the warning, naming the stage and the likely cause
     */
    default void onWarning(String warning) {}
}
