package dev.allo.cli;

import dev.allo.Allo;
import dev.allo.cli.config.ConfigTree;
import dev.allo.cli.config.ScaleDefaults;
import dev.allo.cli.config.Settings;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.pipeline.ConsoleProgress;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.train.StageResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * The flow the training commands share: check the inputs, read the data, resolve the configuration (defaults fitted
 * to the model's and the data's size), print it with {@code --print-config}, else load the model, run the pipeline
 * and print a summary of each stage.
 */
final class PipelineRun {
    private final ModelOptions model;
    private final DataOptions data;
    private final ConfigOptions config;
    private final RunOptions run;

    /** For {@link #plan} only, which writes nothing: {@link #execute} needs the run options. */
    PipelineRun(ModelOptions model, DataOptions data, ConfigOptions config) {
        this(model, data, config, null);
    }

    PipelineRun(ModelOptions model, DataOptions data, ConfigOptions config, RunOptions run) {
        this.model = model;
        this.data = data;
        this.config = config;
        this.run = run;
    }

    /**
     * Runs.
     *
     * @param out standard output (configuration, summary)
     * @param err standard error (progress, notes)
     * @param resolve the command's configuration from the settings and size-fitted defaults
     * @param extra what the command adds to the builder (a rewriter); it may open resources closed by {@code close}
     * @return the result, or null after {@code --print-config}
     */
    AlignmentResult execute(PrintWriter out, PrintWriter err,
            BiFunction<Settings, ScaleDefaults, AlignmentConfig> resolve, UnaryOperator<AlignmentBuilder> extra) {
        Settings settings = config.settings();
        ModelFiles.requireModel(model.model, "--model");
        List<PreferenceExample> pairs = data.read(model.model, err);
        ScaleDefaults defaults = new ScaleDefaults(ModelFiles.parameterCount(model.model), pairs.size());
        AlignmentConfig resolved = resolve.apply(settings, defaults);
        if (config.printConfig) {
            out.print(ConfigTree.yaml(resolved));
            out.flush();
            return null;
        }
        err.printf(Locale.ROOT, "Model %s: %,d parameters; %d pairs%n", model.model, defaults.parameters(),
                pairs.size());
        err.flush();
        try (LoadedModel loaded = model.load()) {
            AlignmentBuilder builder = Allo.builder().model(loaded.model()).tokenizer(loaded.tokenizer()).data(pairs)
                    .config(resolved).listener(new ConsoleProgress(System.err, ConsoleProgress.Mode.AUTO,
                            resolved.reporting().loggingSteps()));
            AlignmentResult result = extra.apply(run.apply(builder)).build().run();
            summary(result, out);
            return result;
        }
    }

    /**
     * Prints the memory plan of the run these options describe, without running it.
     *
     * @param out standard output (the plan)
     * @param err standard error (notes)
     * @param resolve the configuration from the settings and size-fitted defaults
     * @return whether the plan fits the device
     */
    boolean plan(PrintWriter out, PrintWriter err, BiFunction<Settings, ScaleDefaults, AlignmentConfig> resolve) {
        ModelFiles.requireModel(model.model, "--model");
        List<PreferenceExample> pairs = data.read(model.model, err);
        ScaleDefaults defaults = new ScaleDefaults(ModelFiles.parameterCount(model.model), pairs.size());
        AlignmentConfig resolved = resolve.apply(config.settings(), defaults);
        try (LoadedModel loaded = model.load()) {
            MemoryPlan memory = Allo.builder().model(loaded.model()).tokenizer(loaded.tokenizer()).data(pairs)
                    .config(resolved).build().memoryPlan();
            out.print(memory.describe());
            out.println(memory.fits() ? "fits" : "does not fit");
            out.flush();
            return memory.fits();
        }
    }

    private static void summary(AlignmentResult result, PrintWriter out) {
        for (StageResult stage : result.stages().values()) {
            out.printf(Locale.ROOT, "%-8s %d steps, loss %.4f -> %.4f%n", stage.stage(), stage.steps(),
                    stage.history().isEmpty() ? Double.NaN : stage.history().get(0).loss(), stage.last().loss());
        }
        out.println("Output: " + result.outputDirectory().toAbsolutePath());
        if (!result.stages().isEmpty()) {
            out.println("Model:  " + result.outputDirectory().toAbsolutePath().resolve("model"));
        }
        out.flush();
    }
}
