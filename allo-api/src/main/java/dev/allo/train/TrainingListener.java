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
}
