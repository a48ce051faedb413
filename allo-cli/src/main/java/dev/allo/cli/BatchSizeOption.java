package dev.allo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --batch-size}: the pairs of one forward pass, at least 1. */
final class BatchSizeOption {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", description = "Pairs per forward pass.")
    int batchSize;

    /** Used by picocli. */
    BatchSizeOption() {}

    /**
     * The batch size the user gave.
     *
     * @return the batch size, at least 1
     * @throws CommandLine.ParameterException (exit code 2) when it is below 1
     */
    int value() {
        if (batchSize < 1) {
            throw new CommandLine.ParameterException(command.commandLine(), "--batch-size must be >= 1, got "
                    + batchSize);
        }
        return batchSize;
    }
}
