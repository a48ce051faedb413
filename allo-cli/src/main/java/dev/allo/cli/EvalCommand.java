package dev.allo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.allo.cli.config.ConfigKey;
import dev.allo.cli.config.RunConfigs;
import dev.allo.cli.config.Settings;
import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.PreferenceEvaluator;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code allo eval}: preference accuracy and log-likelihood of a model on a JSONL file, as JSON. With
 * {@code --reference} the metrics are DPO's (ALLO Eq. 2, TRL's names): {@code rewards/accuracies} is the share of
 * pairs whose implicit reward {@code beta * log(pi / pi_ref)} is higher for the chosen response. Without it they are
 * reference-free: {@code rewards/accuracies} is the share of pairs whose chosen response has the higher mean token
 * log-probability (SimPO's reward with {@code gamma = 0}). Both report {@code logps/chosen} and {@code logps/rejected},
 * the mean summed log-likelihood of the responses.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Preference accuracy and log-likelihood of --model on --data, as JSON.")
final class EvalCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    DataOptions data;

    @Mixin
    ConfigOptions config;

    @Option(names = "--reference", paramLabel = "DIR",
            description = "Reference model (same tokenizer) for DPO's implicit rewards; without it, reference-free.")
    Path reference;

    @Mixin
    BatchSizeOption batch;

    /** Used by picocli. */
    EvalCommand() {}

    @Override
    public Integer call() {
        int batchSize = batch.value();
        Settings settings = config.settings();
        ModelFiles.requireModel(model.model, "--model");
        if (reference != null) {
            ModelFiles.requireModel(reference, "--reference");
        }
        List<PreferenceExample> examples = data.read(model.model, spec.commandLine().getErr());
        try (LoadedModel loaded = model.load()) {
            PairEncoder encoder = new PairEncoder(loaded.tokenizer(), RunConfigs.truncation(settings));
            DropLog drops = new DropLog();
            List<TokenizedPair> pairs = new ArrayList<>();
            for (int i = 0; i < examples.size(); i++) {
                encoder.encode(i, examples.get(i), drops).ifPresent(pairs::add);
            }
            if (pairs.isEmpty()) {
                throw new IllegalArgumentException("--data " + data.data + ": every pair was dropped by truncation");
            }
            int padId = PreferenceCollator.padIdFor(loaded.tokenizer());
            ReferenceLogProbs ref = null;
            ObjectiveConfig objective = new ObjectiveConfig.SimPo(1.0, 0.0);
            if (reference != null) {
                try (DecoderModel r = DecoderCheckpoints.load(reference, model.device())) {
                    ref = ReferenceLogProbs.compute(r, pairs, batchSize, TokenLogProbs.unchunked(), padId,
                            "eval-reference");
                }
                objective = new ObjectiveConfig.Dpo(settings.real(ConfigKey.TOP, "beta", ObjectiveConfig.DEFAULT_BETA,
                        v -> v > 0 && !Double.isInfinite(v), "a number > 0"));
            }
            Map<String, Double> metrics = PreferenceEvaluator.evaluate(loaded.model(),
                    PreferenceObjective.of(objective), pairs, ref, batchSize, TokenLogProbs.unchunked(), padId);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", model.model.toString());
            report.put("data", data.data.toString());
            report.put("pairs", pairs.size());
            report.put("dropped", examples.size() - pairs.size());
            report.put("reference", reference == null ? null : reference.toString());
            report.put("metrics", metrics);
            spec.commandLine().getOut().println(JSON.writeValueAsString(report));
            spec.commandLine().getOut().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }
}
