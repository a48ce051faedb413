package dev.allo.spark;

import java.io.Serializable;

/**
 * One prompt of a sampling or evaluation job.
 *
 * @param index the prompt's index: its {@code index} field, or its position among the input's rows
 * @param prompt the prompt text, not empty
 * @param answer the true answer a {@link ResponseChecker} compares with, or null
 * @param reference a reference solution carried into the pairs built from the samples, or null
 */
public record PromptRow(long index, String prompt, String answer, String reference) implements Serializable {}
