package dev.allo.impl.pipeline;

import dev.allo.impl.report.LoggingWindow;
import dev.allo.impl.report.ProgressLine;
import dev.allo.pipeline.ReportingConfig;
import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.Console;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of each stage on the console: on a terminal a live bar (the {@code progressbar} library) with stage,
 * step / total, loss, reward accuracy, tokens/s and the ETA; elsewhere (output redirected to a file or a CI log) one
 * {@link ProgressLine} per logging step instead, averaged over the logging window ({@link LoggingWindow}), so a log
 * holds short lines and no terminal control characters.
 */
public final class ConsoleProgress implements TrainingListener {
    /** How progress is shown. */
    public enum Mode {
        /** A bar when the JVM runs on a terminal ({@link System#console()} is a terminal), lines otherwise. */
        AUTO,
        /** Always the live bar. */
        BAR,
        /** Always one line per logging step. */
        LINES
    }

    private final PrintStream out;
    private final boolean bar;
    private final long loggingSteps;
    private ProgressBar progressBar;
    private LoggingWindow window;
    private StageStart stage;

    /**
     * Progress in {@link Mode#AUTO} mode, lines every {@link ReportingConfig#defaults()} logging steps.
     *
     * @param out where to draw the bar or print the lines
     */
    public ConsoleProgress(PrintStream out) {
        this(out, Mode.AUTO, ReportingConfig.defaults().loggingSteps());
    }

    /**
     * Progress in the given mode.
     *
     * @param out where to draw the bar or print the lines
     * @param mode bar, lines, or chosen by whether the JVM runs on a terminal
     * @param loggingSteps optimiser steps between lines (the run's {@link ReportingConfig#loggingSteps()})
     */
    public ConsoleProgress(PrintStream out, Mode mode, long loggingSteps) {
        if (loggingSteps < 1) {
            throw new IllegalArgumentException("loggingSteps must be >= 1, got " + loggingSteps);
        }
        this.out = out;
        this.bar = switch (mode) {
            case BAR -> true;
            case LINES -> false;
            case AUTO -> isTerminal(System.console());
        };
        this.loggingSteps = loggingSteps;
    }

    /** Whether the console is an interactive terminal ({@code Console.isTerminal()} where the JDK has it). */
    static boolean isTerminal(Console console) {
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before JDK 22 System.console() is null unless both streams are a terminal
        }
    }

    /**
     * Whether this listener draws a bar (otherwise it prints lines).
     *
     * @return true for the bar
     */
    public boolean drawsBar() {
        return bar;
    }

    @Override
    public void onStageStart(StageStart start) {
        closeBar();
        stage = start;
        window = new LoggingWindow(loggingSteps);
        if (bar) {
            progressBar = new ProgressBarBuilder().setTaskName(start.stage()).setInitialMax(start.totalSteps())
                    .startsFrom(start.startStep(), java.time.Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(out))
                    .setUpdateIntervalMillis(200).build();
        }
    }

    @Override
    public void onStep(StepMetrics metrics) {
        if (stage == null) {
            return;
        }
        if (!bar) {
            window.add(metrics, stage.totalSteps()).ifPresent(row -> {
                out.println(ProgressLine.format(row, stage.totalSteps(), stage.startStep()));
                out.flush();
            });
            return;
        }
        progressBar.stepTo(metrics.step());
        Double accuracy = metrics.metrics().get("rewards/accuracies");
        progressBar.setExtraMessage(String.format(" loss %.4f%s %.0f tok/s", metrics.loss(),
                accuracy == null ? "" : String.format(" acc %.2f", accuracy),
                metrics.get(StepMetrics.TOKENS_PER_SECOND)));
    }

    @Override
    public void onStageEnd(StageResult result) {
        closeBar();
        stage = null;
    }

    private void closeBar() {
        if (progressBar != null) {
            progressBar.close();
            progressBar = null;
        }
    }
}
