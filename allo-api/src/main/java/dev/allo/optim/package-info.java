/**
 * Masked optimisation (ALLO Eq. 1: only the selected scalars change): the {@link dev.allo.optim.MaskedOptimizer}
 * contract, the AdamW and SGD hyper-parameters with PyTorch semantics ({@link dev.allo.optim.AdamWConfig},
 * {@link dev.allo.optim.SgdConfig}), learning-rate schedules with Hugging Face transformers semantics
 * ({@link dev.allo.optim.LearningRateSchedule}), global-norm clipping over the selected gradients
 * ({@link dev.allo.optim.GradientClipping}), and the optimiser's checkpointable state
 * ({@link dev.allo.optim.OptimizerState}). The optimisers themselves ({@code SparseAdamW}, {@code DenseMaskedAdamW},
 * {@code MaskedSgd}) live in {@code allo-impl}.
 */
package dev.allo.optim;
