package dev.allo.importance;

import dev.allo.model.CausalLm;

/**
 * What an {@link ImportanceEstimator} may ask of the training side: the data, the objective and the optimiser stay
 * behind this interface, so that estimators depend only on the model. The training loop provides the implementation
 * (for example a warm-up with the DPO objective of Eq. 2 over the preference pairs); estimators that need no data
 * take {@link #none()}.
 */
public interface ImportanceContext {

    /**
     * The warm-up of Sec. 4.1: trains {@code model} in place for one epoch of full-parameter training under the
     * context's objective (DPO, Eq. 2, by default; SFT or NPO for Figure 3), optimiser and schedule. The weight-delta
     * estimator calls it on a copy of the model and compares the copy with the original.
     *
     * @param model the model to train in place
     * @throws IllegalStateException if this context has no warm-up
     */
    void warmUp(CausalLm model);

    /**
     * One pass over the data without a weight update: zeroes the parameters' gradients, then runs the forward and
     * backward passes of every micro-batch so that afterwards {@code parameter.getGradient()} holds
     * {@code sum_d dL(d)/dtheta} (a sum over micro-batches, not a mean). The weights are not changed.
     *
     * @param model the model whose gradients are accumulated; its trainable flag may be switched on
     * @throws IllegalStateException if this context has no data for gradient accumulation
     */
    void accumulateGradients(CausalLm model);

    /**
     * A context with no data, objective or optimiser, for estimators that need none (random scores). Both operations
     * throw {@link IllegalStateException} naming what is missing.
     *
     * @return the empty context
     */
    static ImportanceContext none() {
        return new ImportanceContext() {
            @Override
            public void warmUp(CausalLm model) {
                throw new IllegalStateException("this importance context has no warm-up training; the weight-delta "
                        + "estimator needs a context from the training loop, not ImportanceContext.none()");
            }

            @Override
            public void accumulateGradients(CausalLm model) {
                throw new IllegalStateException("this importance context has no data; the accumulated-gradient "
                        + "estimator needs a context from the training loop, not ImportanceContext.none()");
            }

            @Override
            public String toString() {
                return "ImportanceContext.none()";
            }
        };
    }
}
