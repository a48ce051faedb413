package dev.allo.cli;

import dev.allo.cli.config.RunConfigs;
import dev.allo.cli.config.Settings;
import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.AtomicJsonlWriter;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.scorer.RewriteModelTokenScorer;
import dev.allo.scorer.RewriteScorerConfig;
import java.io.PrintWriter;
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
 * {@code allo score}: the forgetting stage's token rewards (ALLO Eq. 5) of every pair of a JSONL file, from a
 * rewriting model: {@code p_j}, the rewriter's probability of each rejected token given the Table 6 rewrite prompt,
 * and {@code r_j = 1 if p_j < u}. One JSON line per pair: {@code index}, {@code id} (when the pair has one),
 * {@code tokens} (each rejected token's text), {@code probabilities} and {@code rewards}.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Token rewards (ALLO Eq. 5) of each pair's rejected response from a rewriting model, as JSONL.")
final class ScoreCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rewriter", required = true, paramLabel = "DIR",
            description = "The rewriting model (Hugging Face directory with its tokenizer).")
    Path rewriter;

    @Option(names = "--device", paramLabel = "NAME", defaultValue = "cpu", description = "DJL device (default cpu).")
    String device;

    @Mixin
    DataOptions data;

    @Mixin
    ConfigOptions config;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "The JSONL file to write.")
    Path output;

    @Mixin
    BatchSizeOption batch;

    /** Used by picocli. */
    ScoreCommand() {}

    @Override
    public Integer call() {
        int batchSize = batch.value();
        Settings settings = config.settings();
        double u = RunConfigs.rewardThreshold(settings);
        ModelFiles.requireModel(rewriter, "--rewriter");
        PrintWriter err = spec.commandLine().getErr();
        List<PreferenceExample> examples = data.read(rewriter, err);
        try (LoadedModel loaded = LoadedModel.load(rewriter, "--rewriter", ai.djl.Device.fromName(device))) {
            PairEncoder encoder = new PairEncoder(loaded.tokenizer(), RunConfigs.truncation(settings));
            DropLog drops = new DropLog();
            List<TokenizedPair> pairs = new ArrayList<>();
            for (int i = 0; i < examples.size(); i++) {
                encoder.encode(i, examples.get(i), drops).ifPresent(pairs::add);
            }
            RewriteScorerConfig scorerConfig = RewriteScorerConfig.defaults().withThreshold(u)
                    .withBatchSize(batchSize);
            List<double[]> probabilities = new RewriteModelTokenScorer(loaded.model(), loaded.tokenizer(),
                    scorerConfig).probabilities(pairs);
            try (AtomicJsonlWriter writer = AtomicJsonlWriter.open(output)) {
                for (int k = 0; k < pairs.size(); k++) {
                    writer.write(line(pairs.get(k), probabilities.get(k), scorerConfig, loaded));
                }
                writer.commit();
            }
            spec.commandLine().getOut().printf("Scored %d pairs (%d dropped by truncation), u = %s: %s%n",
                    pairs.size(), examples.size() - pairs.size(), u, output);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    private static Map<String, Object> line(TokenizedPair pair, double[] p, RewriteScorerConfig config,
            LoadedModel loaded) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", pair.index());
        pair.source().id().ifPresent(id -> m.put("id", id));
        int[] ids = pair.rejectedIds();
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            tokens.add(loaded.tokenizer().decode(new int[] {id}));
        }
        float[] r = config.rewards(p);
        List<Float> rewards = new ArrayList<>(r.length);
        for (float v : r) {
            rewards.add(v);
        }
        m.put("tokens", tokens);
        m.put("probabilities", p);
        m.put("rewards", rewards);
        return m;
    }
}
