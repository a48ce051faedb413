package dev.allo.pipeline;

import dev.allo.model.CausalLm;
import java.util.Map;

/**
 * An evaluation hook: measures the policy between optimiser steps, for example generation accuracy with a task's
 * answer checker. Pass it to {@link AlignmentBuilder#evaluator}; the pipeline runs it at every stage's start and
 * end and every {@code everySteps} steps, and writes what it returns to {@code <stage>/eval.jsonl}.
 */
@FunctionalInterface
public interface ModelEvaluator {

    /**
     * Measures the model. Runs without gradient recording; must not change the weights.
     *
     * @param model the policy
     * @return metric name to value, for example {@code "eval/accuracy"}
     */
    Map<String, Double> evaluate(CausalLm model);
}
