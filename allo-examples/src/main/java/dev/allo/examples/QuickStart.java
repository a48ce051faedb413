package dev.allo.examples;

import dev.allo.examples.quickstart.EngineThreads;
import dev.allo.examples.quickstart.QuickStartOptions;
import dev.allo.examples.quickstart.QuickStartResult;
import dev.allo.examples.quickstart.QuickStartRun;
import dev.allo.impl.pipeline.ConsoleProgress;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The README's main job: on the built-in arithmetic task, train a small model by SFT, build on-policy preference
 * data and a rewriter, run DPO and ALLO from the same SFT model, and print per model test accuracy and held-out
 * preference accuracy with 95% bootstrap intervals and paired comparisons, with the output directory
 * ({@code results.md}, {@code results.json}; see {@link QuickStartRun} and docs/quickstart.md).
 * {@code --task=mistakes} runs the systematic-mistakes task instead: SFT demonstrations of which a fraction carries
 * systematic mistakes, a second skill, and per-class mistake rates and second-skill accuracy in the table.
 *
 * <p>PyTorch runs on one thread unless {@code -Dai.djl.pytorch.num_threads} says otherwise ({@link EngineThreads}).
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
        EngineThreads.defaultToOne();
        run(QuickStartOptions.parse(args, System.getProperties()), System.out, new ConsoleProgress(System.err));
    }

    /**
     * Runs the quick start and prints its log, the result table and the output directory.
     *
     * @param options the options
     * @param out where to print
     * @param progress a listener of every training stage
     * @return the measurements
     */
    public static QuickStartResult run(QuickStartOptions options, PrintStream out, TrainingListener progress) {
        long start = System.nanoTime();
        QuickStartResult result = new QuickStartRun(options, out, progress).run();
        out.println();
        out.print(result.table());
        out.printf(Locale.ROOT, "%nTotal wall time %.0f s. Output directory: %s%n",
                (System.nanoTime() - start) / 1e9, result.outputDirectory());
        return result;
    }
}
