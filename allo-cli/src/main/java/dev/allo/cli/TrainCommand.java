package dev.allo.cli;

import dev.allo.cli.config.RunConfigs;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code allo train}: one full-parameter stage of any objective, chosen by {@code loss_type} (TRL's names: sigmoid
 * for DPO, ipo, hinge, bco_pair; and simpo, rdpo, npo, sft, token_dpo, token_npo), as TRL's {@code DPOTrainer} runs.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one full-parameter stage: --set loss_type=sigmoid|ipo|hinge|bco_pair|simpo|rdpo|npo|sft|"
                + "token_dpo|token_npo (default sigmoid, DPO).")
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    DataOptions data;

    @Mixin
    ConfigOptions config;

    @Mixin
    RunOptions run;

    /** Used by picocli. */
    TrainCommand() {}

    @Override
    public Integer call() {
        new PipelineRun(model, data, config, run).execute(spec.commandLine().getOut(), spec.commandLine().getErr(),
                RunConfigs::train, b -> b);
        return 0;
    }
}
