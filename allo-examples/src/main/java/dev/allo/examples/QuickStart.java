package dev.allo.examples;

import dev.allo.examples.quickstart.QuickStartOptions;
import dev.allo.examples.quickstart.QuickStartResult;
import dev.allo.examples.quickstart.QuickStartRun;
import dev.allo.impl.pipeline.ConsoleProgress;
import java.util.Locale;

/**
 * The README's main job: on the built-in arithmetic task, train a tiny model by SFT, build on-policy preference
 * data and a rewriter, run DPO and ALLO from the same SFT model, and print a table of test accuracy and held-out
 * preference accuracy with the output directory (see {@link QuickStartRun} and docs/quickstart.md).
 *
 * <p>Options: {@code --key=value} arguments or {@code -Dquickstart.key=value} system properties
 * ({@link QuickStartOptions}), e.g. {@code --problems=2000 --hidden=128 --layers=4}.
 */
public final class QuickStart {
    private QuickStart() {}

    /**
     * Runs the quick start.
     *
     * @param args {@code --key=value} options
     */
    public static void main(String[] args) {
        QuickStartOptions options = QuickStartOptions.parse(args, System.getProperties());
        long start = System.nanoTime();
        QuickStartResult result = new QuickStartRun(options, System.out, new ConsoleProgress(System.err)).run();
        System.out.println();
        System.out.print(result.table());
        System.out.printf(Locale.ROOT, "%nTotal wall time %.0f s. Output directory: %s%n",
                (System.nanoTime() - start) / 1e9, result.outputDirectory());
    }
}
