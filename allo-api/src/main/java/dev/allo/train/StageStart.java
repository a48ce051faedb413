package dev.allo.train;

/**
 * Announces a stage to {@link TrainingListener#onStageStart}.
 *
 * @param stage the stage's name
 * @param pairs the number of training pairs
 * @param stepsPerEpoch optimiser steps per epoch
 * @param totalSteps the optimiser steps the stage will have taken when it ends
 * @param startStep the steps already taken (0, or more when resuming)
 */
public record StageStart(String stage, int pairs, int stepsPerEpoch, long totalSteps, long startStep) {}
