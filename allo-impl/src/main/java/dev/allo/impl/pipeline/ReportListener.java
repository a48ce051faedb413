package dev.allo.impl.pipeline;

import dev.allo.impl.report.LoggingWindow;
import dev.allo.impl.report.MetricsLogReader;
import dev.allo.impl.report.MetricsSink;
import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Feeds a stage's logged rows ({@link LoggingWindow}) to its report files ({@link MetricsSink}s such as the CSV and
 * TensorBoard logs), so that after kills and resumes they hold the rows of an uninterrupted run: at the stage start
 * (step {@code k}) each sink keeps its rows up to {@code k}, and the steps {@code 1..k} of the stage's metrics log
 * (already trimmed to {@code k} by the trainer) are replayed through the window, appending the rows a sink lacks
 * (one whose step was logged after the checkpoint was written and lost in a kill) and leaving the window as it was
 * after step {@code k}.
 */
final class ReportListener implements TrainingListener, AutoCloseable {
    private final Path metricsLog;
    private final long loggingSteps;
    private final List<LongFunction<MetricsSink>> openers;
    private final List<MetricsSink> sinks = new ArrayList<>();
    private LoggingWindow window;
    private long totalSteps;

    /**
     * A listener for one stage.
     *
     * @param metricsLog the stage's {@code metrics.jsonl}
     * @param loggingSteps the logging interval
     * @param openers each opens a sink keeping the rows up to a step ({@code -1}: a fresh start)
     */
    ReportListener(Path metricsLog, long loggingSteps, List<LongFunction<MetricsSink>> openers) {
        this.metricsLog = metricsLog;
        this.loggingSteps = loggingSteps;
        this.openers = List.copyOf(openers);
    }

    @Override
    public void onStageStart(StageStart start) {
        if (window != null) {
            throw new IllegalStateException("report files are already open; one stage per listener");
        }
        totalSteps = start.totalSteps();
        window = new LoggingWindow(loggingSteps);
        for (LongFunction<MetricsSink> opener : openers) {
            sinks.add(opener.apply(start.startStep() == 0 ? -1 : start.startStep()));
        }
        if (start.startStep() > 0 && !sinks.isEmpty()) {
            for (StepMetrics step : MetricsLogReader.read(metricsLog)) {
                if (step.step() <= start.startStep()) {
                    window.add(step, totalSteps).ifPresent(row -> {
                        for (MetricsSink sink : sinks) {
                            if (row.step() > sink.lastStep()) {
                                sink.append(row);
                            }
                        }
                    });
                }
            }
        }
    }

    @Override
    public void onStep(StepMetrics metrics) {
        window.add(metrics, totalSteps).ifPresent(row -> sinks.forEach(s -> s.append(row)));
    }

    @Override
    public void onStageEnd(StageResult result) {
        // The last step is a logging step: its row is written in onStep.
    }

    @Override
    public void close() {
        sinks.forEach(MetricsSink::close);
    }
}
