package dev.allo.impl.report;

import dev.allo.train.StepMetrics;

/** A file that receives a stage's logged rows ({@link LoggingWindow}), one per logging step, in step order. */
public interface MetricsSink extends AutoCloseable {
    /**
     * The step of the last row the file held when it was opened (after dropping the rows past the resumed step).
     *
     * @return the step, 0 if none
     */
    long lastStep();

    /**
     * Appends a row and flushes it, so a killed process leaves every finished row in the file.
     *
     * @param row the logged row
     * @throws dev.allo.AlloException naming the file if it cannot be written
     */
    void append(StepMetrics row);

    @Override
    void close();
}
