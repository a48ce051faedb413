package dev.allo.cli;

import dev.allo.cli.config.RunConfigs;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.NeuronMask;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.MaskRule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code allo locate}: ALLO's locate stage alone (Sec. 4.1): the importance score of every weight
 * ({@code importance.scores}) and the mask of the top {@code --ratio} of them ({@code mask.bin}, and
 * {@code mask.safetensors} for other tools).
 */
@Command(name = "locate", mixinStandardHelpOptions = true,
        description = "Score every weight's importance (ALLO Sec. 4.1) and select the top --ratio as a mask.")
final class LocateCommand implements Callable<Integer> {
    /** The scores file the pipeline writes. */
    static final String SCORES = "importance.scores";

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

    @Option(names = "--ratio", paramLabel = "K", defaultValue = "0.10",
            description = "Fraction of the weights to select, in (0, 1] (default ${DEFAULT-VALUE}, learn's k2).")
    double ratio;

    /** Used by picocli. */
    LocateCommand() {}

    @Override
    public Integer call() {
        MaskRule rule;
        try {
            rule = MaskRule.topK(ratio);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ratio must be in (0, 1], got " + ratio);
        }
        AlignmentConfig[] used = new AlignmentConfig[1];
        AlignmentResult result = new PipelineRun(model, data, config, run).execute(spec.commandLine().getOut(),
                spec.commandLine().getErr(), (s, d) -> used[0] = RunConfigs.locateOnly(s, d), b -> b);
        if (result == null) {
            return 0;
        }
        Path scores = result.outputDirectory().resolve(SCORES);
        NeuronMask mask;
        try (ImportanceScores loaded = ImportanceScores.load(scores, model.device())) {
            mask = rule.selector(used[0].seed()).select(loaded);
        }
        mask.save(result.outputDirectory().resolve("mask.bin"));
        mask.exportSafetensors(result.outputDirectory().resolve("mask.safetensors"),
                dev.allo.mask.MaskExportType.U8);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "Scores: %s%nMask:   %s (%d of %d weights, %.4f)%n", scores,
                result.outputDirectory().resolve("mask.bin"), mask.selectedCount(), mask.size(), mask.ratio());
        out.flush();
        return 0;
    }
}
