package dev.allo.examples;

import dev.allo.examples.quickstart.EngineThreads;
import dev.allo.examples.quickstart.QuickStartOptions;
import dev.allo.examples.quickstart.QuickStartResult;
import dev.allo.examples.quickstart.QuickStartRun;
import dev.allo.examples.quickstart.StageWarningPrinter;
import dev.allo.impl.pipeline.ConsoleProgress;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The README's main job: on the built-in systematic-mistakes arithmetic task (SFT demonstrations of which a
 * fraction carries systematic mistakes, and a second skill), train a small model by SFT, build on-policy preference
 * data and a rewriter, run DPO, RPO and ALLO from the same SFT model, and print per model test accuracy, mistake
 * rate (overall and per class), second-skill accuracy and held-out preference accuracy with 95% bootstrap intervals
 * and paired comparisons, with the output directory ({@code results.md}, {@code results.json}; see
 * {@link QuickStartRun} and docs/quickstart.md). {@code --task=classic} runs the original task instead (1-2 step
 * problems with multiplication, clean demonstrations, DPO and ALLO).
 *
 * <p>The pipeline's stage warnings (a stage of fewer than 10 optimiser steps, a loss that did not move) are printed
 * to the log as {@code WARNING: ...} lines ({@link StageWarningPrinter}), since {@code mvn -q exec:java} drops the
 * SLF4J log's warnings.
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
     * Runs the quick start and prints its log (with every stage warning), the result table and the output
     * directory.
     *
     * @param options the options
     * @param out where to print
     * @param progress a listener of every training stage
     * @return the measurements
     */
    public static QuickStartResult run(QuickStartOptions options, PrintStream out, TrainingListener progress) {
        long start = System.nanoTime();
        StageWarningPrinter warnings = new StageWarningPrinter(progress, out);
        QuickStartResult result = new QuickStartRun(options, out, warnings).run();
        out.println();
        out.print(result.table());
        if (!warnings.warnings().isEmpty()) {
            out.printf(Locale.ROOT, "%n%d stage warning(s), printed above as %s... lines.%n",
                    warnings.warnings().size(), StageWarningPrinter.PREFIX);
        }
        out.printf(Locale.ROOT, "%nTotal wall time %.0f s. Output directory: %s%n",
                (System.nanoTime() - start) / 1e9, result.outputDirectory());
        return result;
    }
}
