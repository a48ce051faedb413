/**
 * The ALLO pipeline's configuration: the locate stage ({@link dev.allo.pipeline.LocateConfig}), optimisation
 * stages ({@link dev.allo.pipeline.StageConfig}, with the paper's two as {@link dev.allo.pipeline.ForgetConfig} and
 * {@link dev.allo.pipeline.LearnConfig}), how each trains ({@link dev.allo.pipeline.TrainingConfig}), and the
 * paper's Table 5 presets ({@link dev.allo.pipeline.AlloPresets}).
 */
package dev.allo.pipeline;
