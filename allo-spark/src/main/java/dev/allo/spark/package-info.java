/**
 * Spark jobs for the inference-heavy steps of an ALLO run (arXiv 2406.12606): {@link dev.allo.spark.SampleJob}
 * (on-policy responses and (correct, wrong) pairs), {@link dev.allo.spark.ScoreJob} (Eq. 5 token rewards from a
 * rewriting model), {@link dev.allo.spark.ReferenceJob} (reference log-probs) and {@link dev.allo.spark.EvaluateJob}
 * (preference accuracy, log-likelihood, greedy accuracy). Their outputs become the single-machine pipeline's cache
 * files through {@link dev.allo.spark.PipelineCaches}. Spark is a provided dependency.
 */
package dev.allo.spark;
