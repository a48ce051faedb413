package dev.allo.examples.quickstart;

import dev.allo.examples.stats.Comparison;
import dev.allo.examples.stats.Interval;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the quick start measured, over every seed: per method the mean and 95% bootstrap interval (over problems and
 * seeds, {@link dev.allo.examples.stats.Bootstrap}) of each score, and paired comparisons.
 *
 * @param rows one row per model: SFT, then the preference methods
 * @param contrasts paired comparisons (each method against SFT, ALLO against DPO and RPO)
 * @param ceiling the capacity ceiling: test accuracy of SFT on clean demonstrations, or null when not measured
 * @param trainPairs preference pairs trained on (first seed, first round)
 * @param validationPairs held-out preference pairs evaluated (first seed)
 * @param rewrites the teacher's rewrites the rewriter was trained on (first seed)
 * @param source which data recipe gave the training pairs (first seed)
 * @param seeds the seeds run
 * @param seconds wall time of each phase, summed over seeds, in order
 * @param outputDirectory where models, masks, metrics, charts and data were written
 */
public record QuickStartResult(List<Row> rows, List<Contrast> contrasts, Interval ceiling, int trainPairs,
        int validationPairs, int rewrites, OnPolicyPairs.Source source, List<Long> seeds, Map<String, Double> seconds,
        Path outputDirectory) {

    /**
     * One model's scores.
     *
     * @param method SFT, DPO, ALLO, ...
     * @param testAccuracy greedy-decoding accuracy on the test problems
     * @param mistakeRate the share of test problems answered with a systematic mistake's answer
     * @param skillAccuracy second-skill accuracy (NaN intervals when there is none)
     * @param mistakeRateByClass per mistake class: the rate among the test problems it applies to
     * @param preferenceAccuracy held-out DPO reward accuracy against the SFT model ({@code rewards/accuracies}),
     *     mean over seeds; NaN for the SFT model itself, whose implicit rewards are all 0
     * @param modelDirectory where the (first seed's) model is saved
     */
    public record Row(String method, Interval testAccuracy, Interval mistakeRate, Interval skillAccuracy,
            Map<String, Interval> mistakeRateByClass, double preferenceAccuracy, Path modelDirectory) {
        /** Copies the map. */
        public Row {
            mistakeRateByClass = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(mistakeRateByClass));
        }
    }

    /**
     * A paired comparison {@code a - b}.
     *
     * @param a the first method
     * @param b the second method
     * @param testAccuracy the difference in test accuracy, with interval and p-value
     * @param skillAccuracy the difference in second-skill accuracy, or null without a second skill
     */
    public record Contrast(String a, String b, Comparison testAccuracy, Comparison skillAccuracy) {}

    /** Copies the collections. */
    public QuickStartResult {
        rows = List.copyOf(rows);
        contrasts = List.copyOf(contrasts);
        seeds = List.copyOf(seeds);
        seconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
    }

    /**
     * The result tables in Markdown: one row per method (percentages, mean and 95% interval), then the paired
     * comparisons (differences in points, interval, p-value).
     *
     * @return the tables, lines ending in {@code \n}
     */
    public String table() {
        StringBuilder b = new StringBuilder();
        List<String> classes = rows.isEmpty() ? List.of() : List.copyOf(rows.get(0).mistakeRateByClass().keySet());
        b.append("| method | test accuracy | mistake rate | second-skill accuracy |");
        classes.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append(" held-out preference accuracy |\n|---|---|---|---|");
        classes.forEach(c -> b.append("---|"));
        b.append("---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.method()).append(" | ").append(r.testAccuracy().percent()).append(" | ")
                    .append(r.mistakeRate().percent()).append(" | ").append(r.skillAccuracy().percent()).append(" |");
            classes.forEach(c -> b.append(' ').append(r.mistakeRateByClass().get(c).percent()).append(" |"));
            b.append(Double.isNaN(r.preferenceAccuracy()) ? " - (reference) |"
                    : String.format(Locale.ROOT, " %.1f%% |", 100 * r.preferenceAccuracy()));
            b.append('\n');
        }
        if (ceiling != null) {
            b.append("\nCapacity ceiling (SFT on clean demonstrations): test accuracy ").append(ceiling.percent())
                    .append('\n');
        }
        if (!contrasts.isEmpty()) {
            b.append("\n| comparison | test accuracy difference (points) | p | second-skill difference (points) | p |\n");
            b.append("|---|---|---|---|---|\n");
            for (Contrast c : contrasts) {
                b.append("| ").append(c.a()).append(" - ").append(c.b()).append(" | ")
                        .append(c.testAccuracy().difference().percent()).append(" | ")
                        .append(p(c.testAccuracy().pValue())).append(" | ")
                        .append(c.skillAccuracy() == null ? "-" : c.skillAccuracy().difference().percent())
                        .append(" | ").append(c.skillAccuracy() == null ? "-" : p(c.skillAccuracy().pValue()))
                        .append(" |\n");
            }
        }
        return b.toString();
    }

    private static String p(double value) {
        return value < 0.001 ? "< 0.001" : String.format(Locale.ROOT, "%.3f", value);
    }
}
