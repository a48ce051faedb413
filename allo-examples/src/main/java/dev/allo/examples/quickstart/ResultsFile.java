package dev.allo.examples.quickstart;

import dev.allo.AlloException;
import dev.allo.examples.ila.TextFiles;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Writes the quick start's {@code results.md}: the options, the data counts, the table and the phase times. */
public final class ResultsFile {
    private ResultsFile() {}

    /**
     * Writes the file through a temporary sibling and an atomic rename.
     *
     * @param result the measurements
     * @param options the options of the run
     * @param target the file
     * @throws AlloException if the file cannot be written
     */
    public static void write(QuickStartResult result, QuickStartOptions options, Path target) {
        StringBuilder b = new StringBuilder("# Quick start results\n\n");
        for (Map.Entry<String, String> e : options.describe().entrySet()) {
            b.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        b.append(String.format(Locale.ROOT, "- data: %d training pairs (%s), %d validation pairs, %d rewrites%n%n",
                result.trainPairs(), result.source(), result.validationPairs(), result.rewrites()));
        b.append(result.table()).append('\n');
        b.append("Wall time per phase (s):");
        result.seconds().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.1f;", k, v)));
        b.append('\n');
        TextFiles.write(target, b.toString().replace(System.lineSeparator(), "\n"));
    }
}
