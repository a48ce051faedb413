package dev.allo.impl.pipeline;

import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A console progress bar per stage (the {@code progressbar} library): stage, step / total, loss, reward accuracy,
 * tokens/s and the ETA.
 */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private ProgressBar bar;

    /**
     * A progress bar on standard error.
     *
     * @param out where to draw the bar
     */
    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onStageStart(StageStart start) {
        closeBar();
        bar = new ProgressBarBuilder().setTaskName(start.stage()).setInitialMax(start.totalSteps())
                .startsFrom(start.startStep(), java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(out))
                .setUpdateIntervalMillis(200).build();
    }

    @Override
    public void onStep(StepMetrics metrics) {
        if (bar == null) {
            return;
        }
        bar.stepTo(metrics.step());
        Double accuracy = metrics.metrics().get("rewards/accuracies");
        bar.setExtraMessage(String.format(" loss %.4f%s %.0f tok/s", metrics.loss(),
                accuracy == null ? "" : String.format(" acc %.2f", accuracy),
                metrics.get(StepMetrics.TOKENS_PER_SECOND)));
    }

    @Override
    public void onStageEnd(StageResult result) {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
