package dev.allo.impl.report;

import dev.allo.train.StepMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The steps since the last logging step of a stage, reduced to one logged row at the next logging step, as
 * transformers' {@code Trainer} logs with {@code logging_steps = n}: the logging steps are the multiples of
 * {@code n} and the stage's last step. At a logging step {@code s} whose window holds the steps
 * {@code W = (s_prev, s]}, every metric {@code m} is logged as the mean over the window's steps that have it,
 * {@code (1 / |W_m|) * sum_{t in W_m} m_t} (a NaN in the window makes it NaN), except {@link #LAST_VALUE}'s metrics,
 * which are step {@code s}'s own values. Metrics keep the order in which they first appeared.
 */
public final class LoggingWindow {
    /** Metrics logged with the logging step's own value: the learning rate, gradient norm, time, step and epoch. */
    public static final Set<String> LAST_VALUE = Set.of(StepMetrics.LEARNING_RATE, StepMetrics.GRAD_NORM,
            StepMetrics.ELAPSED_SECONDS, StepMetrics.STEP, StepMetrics.EPOCH);

    private final long every;
    private final Map<String, double[]> sums = new LinkedHashMap<>(); // name -> {sum, count}

    /**
     * An empty window.
     *
     * @param every the logging interval in optimiser steps, at least 1
     */
    public LoggingWindow(long every) {
        if (every < 1) {
            throw new IllegalArgumentException("logging interval must be >= 1, got " + every);
        }
        this.every = every;
    }

    /**
     * Whether a step is logged.
     *
     * @param step the 1-based optimiser step
     * @param totalSteps the stage's last step
     * @return true for the multiples of the interval and the last step
     */
    public boolean isLoggingStep(long step, long totalSteps) {
        return step % every == 0 || step == totalSteps;
    }

    /**
     * Adds a step; at a logging step returns the window's row and empties the window.
     *
     * @param step the step's metrics
     * @param totalSteps the stage's last step
     * @return the logged row (stage, step and epoch of {@code step}), or empty between logging steps
     */
    public Optional<StepMetrics> add(StepMetrics step, long totalSteps) {
        step.metrics().forEach((name, value) -> {
            double[] s = sums.computeIfAbsent(name, k -> new double[2]);
            if (LAST_VALUE.contains(name)) {
                s[0] = value;
                s[1] = 1;
            } else {
                s[0] += value;
                s[1]++;
            }
        });
        if (!isLoggingStep(step.step(), totalSteps)) {
            return Optional.empty();
        }
        Map<String, Double> row = new LinkedHashMap<>();
        sums.forEach((name, s) -> row.put(name, s[0] / s[1]));
        sums.clear();
        return Optional.of(new StepMetrics(step.stage(), step.step(), step.epoch(), row));
    }

    /** Forgets the steps added since the last logging step. */
    public void clear() {
        sums.clear();
    }
}
