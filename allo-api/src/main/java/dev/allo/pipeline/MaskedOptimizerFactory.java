package dev.allo.pipeline;

import ai.djl.ndarray.NDArray;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.MaskedOptimizer;
import java.util.Map;

/**
 * Makes the optimiser of a stage; pass one to {@link AlignmentBuilder#optimizer} to replace the stock optimisers of
 * {@link TrainingConfig.OptimizerKind}.
 */
@FunctionalInterface
public interface MaskedOptimizerFactory {

    /**
     * Creates an optimiser for one stage.
     *
     * @param mask the stage's mask: only these scalars may change
     * @param parameters the live parameters it will update
     * @param training the stage's training config (learning rate, schedule, clipping, ...)
     * @param totalSteps the stage's optimiser steps, for the schedule
     * @return the optimiser; the pipeline closes it at the end of the stage
     */
    MaskedOptimizer create(NeuronMask mask, Map<String, NDArray> parameters, TrainingConfig training,
            long totalSteps);
}
