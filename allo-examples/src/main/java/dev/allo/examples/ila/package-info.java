/**
 * ILA's evidence at toy scale: {@link dev.allo.examples.ila.LayerSignificanceExperiment} compares full fine-tuning
 * with freezing the least significant weight matrices and with training only the most significant ones (layer
 * significance learned by {@link dev.allo.impl.ila.IlaImportanceEstimator}) on the arithmetic task, and measures
 * the top-H overlap of the rankings learned on two task variants.
 */
package dev.allo.examples.ila;
