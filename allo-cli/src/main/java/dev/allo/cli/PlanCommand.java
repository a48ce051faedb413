package dev.allo.cli;

import dev.allo.cli.config.RunConfigs;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code allo plan}: the memory plan of an {@code align} or {@code train} run with the same model, data and
 * configuration, without running it: per training stage the estimated weights, gradients, optimiser state,
 * activations and logits at the configured batch and length, and the peak against the memory the device has. Exit
 * code 0 when the run fits, 1 when it does not (with the changes that would make it fit).
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the memory plan of an align (default) or train run without running it; exit code 1"
                + " when it does not fit.")
final class PlanCommand implements Callable<Integer> {
    /** The run to plan. */
    enum Run { align, train }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    DataOptions data;

    @Mixin
    ConfigOptions config;

    @Option(names = "--run", paramLabel = "KIND", defaultValue = "align",
            description = "The run to plan: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Run run;

    /** Used by picocli. */
    PlanCommand() {}

    @Override
    public Integer call() {
        boolean fits = new PipelineRun(model, data, config).plan(spec.commandLine().getOut(),
                spec.commandLine().getErr(), run == Run.align ? (s, d) -> RunConfigs.align(s, d, false)
                        : RunConfigs::train);
        return fits ? 0 : AlloCommand.FAILED;
    }
}
