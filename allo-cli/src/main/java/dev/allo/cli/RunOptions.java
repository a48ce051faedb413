package dev.allo.cli;

import dev.allo.pipeline.AlignmentBuilder;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a training command writes its run, and what to do with an earlier run there. */
final class RunOptions {
    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Run directory: the model, masks, configuration, metrics and charts.")
    Path output;

    @Option(names = "--overwrite", description = "Replace an earlier run in the output directory.")
    boolean overwrite;

    @Option(names = "--resume", description = "Continue the run in the output directory after a crash.")
    boolean resume;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "0",
            description = "Also checkpoint every STEPS optimiser steps (0: stage ends only).")
    long checkpointEvery;

    /** Used by picocli. */
    RunOptions() {}

    /**
     * Applies the options to a builder.
     *
     * @param builder the builder
     * @return the builder
     */
    AlignmentBuilder apply(AlignmentBuilder builder) {
        builder.outputDirectory(output).checkpointEvery(checkpointEvery);
        if (overwrite) {
            builder.overwrite();
        }
        if (resume) {
            builder.resume();
        }
        return builder;
    }
}
