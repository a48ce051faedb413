package dev.allo.impl.pipeline;

import dev.allo.pipeline.TrainingConfig;
import dev.allo.train.StageResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warnings about a finished stage that most likely did nothing useful: one that took fewer than
 * {@value #MIN_STEPS} optimiser steps (too few pairs for its batch size and epochs, as with the paper's 7B presets,
 * batch 32 to 512, on a small data set), and one whose training loss ended where it started (a learning rate too
 * small for the model, such as the 7B presets' {@code 1e-7} to {@code 5e-6} on a small model, or too little data).
 * The loss has not moved when {@code |last - first| <= }{@value #RELATIVE_TOLERANCE}{@code * max(|first|, 1e-3)}.
 */
final class StageWarnings {
    /** Fewer optimiser steps than this draw a warning. */
    static final int MIN_STEPS = 10;
    /** A relative loss change this small counts as none. */
    static final double RELATIVE_TOLERANCE = 1e-3;

    private static final Logger LOG = LoggerFactory.getLogger(StageWarnings.class);

    private StageWarnings() {}

    /**
     * The warnings of a stage, each naming the stage and the likely cause.
     *
     * @param result what the stage did
     * @param training its training config
     * @param pairs its number of training pairs
     * @return the warnings, empty when none applies
     */
    static List<String> of(StageResult result, TrainingConfig training, int pairs) {
        List<String> out = new ArrayList<>();
        if (result.steps() < MIN_STEPS) {
            out.add(String.format(Locale.ROOT, "stage '%s' took only %d optimiser step(s) (fewer than %d): %d pairs,"
                    + " batch size %d, %d epoch(s); lower the batch size, raise the epochs or add pairs (the paper's"
                    + " presets are sized for 7B models and large data sets)", result.stage(), result.steps(),
                    MIN_STEPS, pairs, training.batchSize(), training.epochs()));
        }
        if (!result.history().isEmpty() && result.lastStep() != null && result.history().size() > 1) {
            double first = result.history().get(0).loss();
            double last = result.lastStep().loss();
            if (Math.abs(last - first) <= RELATIVE_TOLERANCE * Math.max(Math.abs(first), 1e-3)) {
                out.add(String.format(Locale.ROOT, "stage '%s': the training loss did not move (%.6g at the first"
                        + " step, %.6g at the last of %d steps); the learning rate %.3g is likely too small for this"
                        + " model (the paper's presets, 1e-7 to 5e-6, are for 7B models), or the data or the number of"
                        + " steps too small", result.stage(), first, last, result.steps(), training.learningRate()));
            }
        }
        return out;
    }

    /**
     * Logs the warnings of a stage at WARN level.
     *
     * @param result what the stage did
     * @param training its training config
     * @param pairs its number of training pairs
     * @return the warnings logged
     */
    static List<String> log(StageResult result, TrainingConfig training, int pairs) {
        List<String> warnings = of(result, training, pairs);
        warnings.forEach(LOG::warn);
        return warnings;
    }
}
