package dev.allo.impl.report;

import dev.allo.train.StepMetrics;
import java.util.Locale;

/**
 * One plain-text progress line of a logged row, for output that is not a terminal (a log file, a CI job):
 *
 * <pre>
 * learn step 20/120 loss=0.6812 rewards/margins=0.0213 rewards/accuracies=0.6250 lr=4.500e-06 tok/s=1234 eta=0:01:23
 * </pre>
 *
 * <p>{@code rewards/*} are left out when the objective reports none (SFT). The ETA is
 * {@code elapsed_seconds / (step - startStep) * (total - step)}: the mean time per step taken in this process times
 * the steps left.
 */
public final class ProgressLine {
    private ProgressLine() {}

    /**
     * Formats a line.
     *
     * @param row the logged row (see {@link LoggingWindow})
     * @param totalSteps the stage's last step
     * @param startStep the steps already taken when this process started the stage
     * @return the line, without a line break
     */
    public static String format(StepMetrics row, long totalSteps, long startStep) {
        StringBuilder line = new StringBuilder();
        line.append(row.stage()).append(" step ").append(row.step()).append('/').append(totalSteps);
        append(line, row, StepMetrics.LOSS, "loss", "%.4f");
        append(line, row, "rewards/margins", "rewards/margins", "%.4f");
        append(line, row, "rewards/accuracies", "rewards/accuracies", "%.4f");
        append(line, row, StepMetrics.LEARNING_RATE, "lr", "%.3e");
        append(line, row, StepMetrics.TOKENS_PER_SECOND, "tok/s", "%.0f");
        Double elapsed = row.metrics().get(StepMetrics.ELAPSED_SECONDS);
        long done = row.step() - startStep;
        if (elapsed != null && done > 0) {
            line.append(" eta=").append(duration(elapsed / done * (totalSteps - row.step())));
        }
        return line.toString();
    }

    private static void append(StringBuilder line, StepMetrics row, String metric, String label, String format) {
        Double v = row.metrics().get(metric);
        if (v != null) {
            line.append(' ').append(label).append('=').append(String.format(Locale.ROOT, format, v));
        }
    }

    /**
     * A duration as {@code H:MM:SS}, rounded to the second.
     *
     * @param seconds the duration
     * @return the text; {@code ?} when not finite
     */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(Math.max(0, seconds));
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
