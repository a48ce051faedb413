package dev.allo.examples.quickstart;

import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes every training event to another listener and prints the pipeline's stage warnings
 * ({@link TrainingListener#onWarning}: a stage of fewer than 10 optimiser steps, a loss that did not move) to the
 * quick start's log. The pipeline also logs them through SLF4J, but under {@code mvn -q exec:java} Maven's own logger
 * takes that log at ERROR level and drops them; printed here, the user sees them in any case.
 */
public final class StageWarningPrinter implements TrainingListener {
    /** The prefix of every printed warning line. */
    public static final String PREFIX = "WARNING: ";

    private final TrainingListener delegate;
    private final PrintStream out;
    private final List<String> warnings = new ArrayList<>();

    /**
     * A printer.
     *
     * @param delegate the listener that receives every event (a progress bar, or a no-op)
     * @param out where the warnings are printed, one line each, prefixed by {@value #PREFIX}
     */
    public StageWarningPrinter(TrainingListener delegate, PrintStream out) {
        this.delegate = delegate;
        this.out = out;
    }

    @Override
    public void onStageStart(StageStart start) {
        delegate.onStageStart(start);
    }

    @Override
    public void onStep(StepMetrics metrics) {
        delegate.onStep(metrics);
    }

    @Override
    public void onStageEnd(StageResult result) {
        delegate.onStageEnd(result);
    }

    @Override
    public void onWarning(String warning) {
        delegate.onWarning(warning);
        warnings.add(warning);
        out.println(PREFIX + warning);
    }

    /**
     * The warnings printed so far, in order.
     *
     * @return a copy of the list
     */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }
}
