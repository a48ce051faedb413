package dev.allo.cli;

import dev.allo.examples.QuickStart;
import dev.allo.examples.quickstart.EngineThreads;
import dev.allo.examples.quickstart.QuickStartOptions;
import dev.allo.impl.pipeline.ConsoleProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code allo demo}: the built-in quick start ({@link QuickStart}): SFT of a tiny model on the systematic-mistakes
 * arithmetic task, on-policy preference pairs, a rewriter, then DPO, RPO and ALLO from the same SFT model, with a
 * table of test accuracy, mistake rate, second-skill accuracy and held-out preference accuracy. Its
 * {@code --key=value} options pass through ({@code --seed=8}, {@code --task=classic}); outputs go to
 * {@code allo-output/quickstart/}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the built-in quick start (a few minutes on 2 cores); quick-start options such as"
                + " --problems=2000 --hidden=128 --out=DIR pass through.")
final class DemoCommand implements Callable<Integer> {
    @Unmatched
    List<String> options = new ArrayList<>();

    /** Used by picocli. */
    DemoCommand() {}

    @Override
    public Integer call() {
        EngineThreads.defaultToOne();
        QuickStart.run(QuickStartOptions.parse(options.toArray(String[]::new), System.getProperties()), System.out,
                new ConsoleProgress(System.err));
        return 0;
    }
}
