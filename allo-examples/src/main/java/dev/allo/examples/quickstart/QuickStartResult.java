package dev.allo.examples.quickstart;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the quick start measured.
 *
 * @param rows one row per model: SFT, DPO, ALLO
 * @param trainPairs preference pairs trained on
 * @param validationPairs held-out preference pairs evaluated
 * @param rewrites the teacher's rewrites the rewriter was trained on
 * @param source which data recipe gave the training pairs
 * @param seconds wall time of each phase, in order
 * @param outputDirectory where models, masks, metrics, charts and data were written
 */
public record QuickStartResult(List<Row> rows, int trainPairs, int validationPairs, int rewrites,
        OnPolicyPairs.Source source, Map<String, Double> seconds, Path outputDirectory) {

    /**
     * One model's scores.
     *
     * @param method SFT, DPO or ALLO
     * @param testAccuracy greedy-decoding accuracy on the test problems
     * @param preferenceAccuracy held-out DPO reward accuracy against the SFT model ({@code rewards/accuracies}); NaN
     *     for the SFT model itself, whose implicit rewards are all 0
     * @param modelDirectory where the model is saved
     */
    public record Row(String method, double testAccuracy, double preferenceAccuracy, Path modelDirectory) {}

    /** Copies the collections. */
    public QuickStartResult {
        rows = List.copyOf(rows);
        seconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
    }

    /**
     * The result table in Markdown: one row per method with test accuracy and held-out preference accuracy.
     *
     * @return the table, lines ending in {@code \n}
     */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append("| method | test accuracy (greedy) | held-out preference accuracy |\n");
        b.append("|---|---|---|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %.1f%% | %s |%n", r.method(), 100 * r.testAccuracy(),
                    Double.isNaN(r.preferenceAccuracy()) ? "- (reference)"
                            : String.format(Locale.ROOT, "%.1f%%", 100 * r.preferenceAccuracy())));
        }
        return b.toString().replace(System.lineSeparator(), "\n");
    }
}
