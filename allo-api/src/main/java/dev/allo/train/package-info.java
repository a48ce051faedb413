/**
 * Training stages: the configuration of one optimisation stage ({@link dev.allo.train.LoopConfig}), what a stage
 * reports after every optimiser step ({@link dev.allo.train.StepMetrics}) and at its end
 * ({@link dev.allo.train.StageResult}), and the {@link dev.allo.train.TrainingListener} that observes it. The loop
 * itself lives in {@code allo-impl} ({@code dev.allo.impl.train.StageTrainer}).
 */
package dev.allo.train;
