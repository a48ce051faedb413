package dev.allo.cli;

import dev.allo.cli.config.RunConfigs;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderModel;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code allo align}: the ALLO pipeline (arXiv 2406.12606): locate key neurons by the weight delta of a warm-up
 * (Sec. 4.1), forget unaligned tokens with token-level NPO on the top {@code k1} neurons (Sec. 4.2), learn with
 * token-weighted DPO on the top {@code k2} (Sec. 4.3). Token rewards of the forgetting stage come from
 * {@code --rewriter} (Eq. 5) when given, else from the model-free edit distance.
 */
@Command(name = "align", mixinStandardHelpOptions = true,
        description = "Run ALLO: locate key neurons, forget (token-level NPO), learn (token-weighted DPO).")
final class AlignCommand implements Callable<Integer> {
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

    @Option(names = "--rewriter", paramLabel = "DIR",
            description = "Rewriting model (same tokenizer as --model) whose probabilities give the forgetting"
                    + " stage's token rewards, Eq. (5); without it the rewards come from the edit distance.")
    Path rewriter;

    /** Used by picocli. */
    AlignCommand() {}

    @Override
    public Integer call() {
        DecoderModel[] rewriterModel = new DecoderModel[1];
        try {
            new PipelineRun(model, data, config, run).execute(spec.commandLine().getOut(),
                    spec.commandLine().getErr(), (s, d) -> checked(RunConfigs.align(s, d, rewriter != null)),
                    b -> {
                        if (rewriter != null) {
                            ModelFiles.requireModel(rewriter, "--rewriter");
                            rewriterModel[0] = DecoderCheckpoints.load(rewriter, model.device());
                            b.rewriter(rewriterModel[0]);
                        }
                        return b;
                    });
            return 0;
        } finally {
            if (rewriterModel[0] != null) {
                rewriterModel[0].close();
            }
        }
    }

    private AlignmentConfig checked(AlignmentConfig config) {
        StageConfig forget = config.stages().get(0);
        if (forget.rewards() == TokenRewards.REWRITER && rewriter == null) {
            throw new IllegalArgumentException("forget.token_rewards is rewriter but no --rewriter DIR was given;"
                    + " give one, or set forget.token_rewards to edit_distance or none");
        }
        if (forget.rewards() != TokenRewards.REWRITER && rewriter != null) {
            throw new IllegalArgumentException("--rewriter was given but forget.token_rewards is "
                    + forget.rewards().name().toLowerCase(java.util.Locale.ROOT) + ", so nothing would use it");
        }
        return config;
    }
}
