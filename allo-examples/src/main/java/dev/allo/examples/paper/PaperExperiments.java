package dev.allo.examples.paper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.examples.quickstart.EngineThreads;
import dev.allo.examples.quickstart.ModelScorer;
import dev.allo.examples.quickstart.PhaseClock;
import dev.allo.examples.quickstart.PreparedTask;
import dev.allo.examples.quickstart.QuickStartOptions;
import dev.allo.examples.quickstart.StageRunner;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.pipeline.ConsoleProgress;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ALLO paper's experiments at small scale on the built-in arithmetic task (docs/results.md): Table 2 (SFT, DPO,
 * IPO, SimPO, NPO, R-DPO, ALLO), Figure 1 (DPO on the top-10%, last-10% and all neurons), Table 4 (the ablations)
 * and Figure 4 (neuron-ratio sweeps), each over several seeds, plus the learning-rate selection that chose the
 * rates ({@code --experiments=tune}).
 *
 * <p>Per seed {@code s}, everything starts from the quick start's preparation with seed {@code s}
 * ({@link PreparedTask#prepare}: task, SFT model, on-policy pairs, rewriter); every variant trains a copy of that
 * SFT model and is scored by greedy accuracy on the seed's test and validation problems and by held-out preference
 * accuracy. A variant shared by several experiments (ALLO, DPO) runs once per seed.
 *
 * <p>Options ({@link PaperOptions}): {@code --seeds=3 --experiments=table2,figure1,table4,figure4
 * --grid=1e-5,3e-5,1e-4,3e-4 --progress=false} and every quick-start option ({@code --dpo-lr}, {@code --problems},
 * ...). Outputs under {@code --out} (default {@code allo-output/paper}): {@code results.md}, {@code results.json},
 * {@code figure1-loss.png}, {@code figure4-ratios.png}, and {@code seed-N/} with the preparation's outputs and one
 * pipeline output directory per variant.
 */
public final class PaperExperiments {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PaperOptions options;
    private final PrintStream log;
    private final TrainingListener progress;

    /**
     * Prepares a run.
     *
     * @param options the options
     * @param log where progress and the tables are printed
     * @param progress a listener of every training stage
     */
    public PaperExperiments(PaperOptions options, PrintStream log, TrainingListener progress) {
        this.options = options;
        this.log = log;
        this.progress = progress;
    }

    /**
     * Runs the experiments from the command line.
     *
     * @param args {@code --key=value} options
     */
    public static void main(String[] args) {
        EngineThreads.defaultToOne();
        PaperOptions options = PaperOptions.parse(args, System.getProperties());
        TrainingListener progress = options.progress() ? new ConsoleProgress(System.err) : new TrainingListener() {};
        String markdown = new PaperExperiments(options, System.out, progress).run();
        System.out.println();
        System.out.print(markdown);
    }

    /**
     * Runs every requested experiment over every seed and writes the report.
     *
     * @return the Markdown report
     */
    public String run() {
        long start = System.nanoTime();
        Map<Experiment, List<Variant>> experiments = new EnumMap<>(Experiment.class);
        Map<String, Variant> unique = new LinkedHashMap<>();
        for (Experiment e : Experiment.values()) {
            if (options.experiments().contains(e)) {
                List<Variant> variants = PaperVariants.of(e, options);
                experiments.put(e, variants);
                variants.forEach(v -> unique.putIfAbsent(v.id(), v));
            }
        }
        Path out = options.base().out().toAbsolutePath();
        Map<String, List<Outcome>> outcomes = new LinkedHashMap<>();
        List<String> seedLines = new ArrayList<>();
        for (int seed = 1; seed <= options.seeds(); seed++) {
            log.printf(Locale.ROOT, "=== seed %d of %d: %d variants ===%n", seed, options.seeds(), unique.size());
            runSeed(seed, out.resolve("seed-" + seed), unique.values(), outcomes, seedLines);
            // A partial report after every seed: a long run that is stopped still leaves its tables.
            new PaperReport(options, experiments, outcomes, seedLines, (System.nanoTime() - start) / 1e9).write(out);
        }
        PaperReport report = new PaperReport(options, experiments, outcomes, seedLines,
                (System.nanoTime() - start) / 1e9);
        report.write(out);
        log.printf(Locale.ROOT, "Results: %s%n", out.resolve("results.md"));
        return report.markdown();
    }

    /** The {@code loss} of every line of a stage's metrics log, in step order. */
    private static List<Double> losses(Path metricsLog) {
        List<Double> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(metricsLog)) {
                JsonNode loss = JSON.readTree(line).path(StepMetrics.LOSS);
                out.add(loss.isNumber() ? loss.doubleValue() : Double.parseDouble(loss.asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metricsLog, e);
        }
        return out;
    }

    private void runSeed(int seed, Path dir, Iterable<Variant> variants, Map<String, List<Outcome>> outcomes,
            List<String> seedLines) {
        QuickStartOptions seedOptions = options.base().withSeed(seed).withOut(dir);
        StageRunner runner = new StageRunner(PreparedTask.TOKENIZER, PreparedTask.TRUNCATION, seed,
                seedOptions.batchSize(), progress, log);
        PhaseClock clock = new PhaseClock(log);
        try (PreparedTask task = PreparedTask.prepare(seedOptions, dir, runner, log, clock)) {
            SeedContext context = new SeedContext(task, runner, options, dir);
            ModelScorer scorer = new ModelScorer(task.sft(), task.validationPairs(), task.maxNewTokens(),
                    seedOptions.batchSize());
            for (Variant v : variants) {
                long t0 = System.nanoTime();
                Outcome o;
                if (!v.trains()) {
                    o = score(v, seed, task, scorer, task.sft(), Map.of(), t0);
                    seedLines.add(String.format(Locale.ROOT, "| %d | %d | %s | %d | %d | %.1f%% |", seed,
                            task.trainPairs().size(), task.source(), task.validationPairs().size(),
                            task.rewrites().size(), 100 * o.testAccuracy()));
                } else {
                    log.printf(Locale.ROOT, "--- seed %d: %s%n", seed, v.label());
                    try (DecoderModel model = task.sft().copy()) {
                        AlignmentResult result = runner.train(model, task.trainPairs(), dir.resolve(v.id()),
                                b -> v.recipe().apply(b, context));
                        Map<String, List<Double>> losses = new LinkedHashMap<>();
                        // Every step's loss from the metrics log (StageResult.history() is a bounded sample).
                        result.stages().keySet().forEach(name -> losses.put(name,
                                losses(result.outputDirectory().resolve(name).resolve("metrics.jsonl"))));
                        o = score(v, seed, task, scorer, model, losses, t0);
                    }
                }
                outcomes.computeIfAbsent(v.id(), k -> new ArrayList<>()).add(o);
                log.printf(Locale.ROOT, "    %s: test %.1f%%, validation %.1f%%, preference %.1f%% (%.0f s)%n",
                        v.label(), 100 * o.testAccuracy(), 100 * o.validationAccuracy(),
                        100 * o.preferenceAccuracy(), o.seconds());
            }
        }
    }

    private static Outcome score(Variant v, int seed, PreparedTask task, ModelScorer scorer, DecoderModel model,
            Map<String, List<Double>> losses, long t0) {
        double test = scorer.accuracy(model, task.splits().test());
        double validation = scorer.accuracy(model, task.splits().validation());
        double preference = v.trains() ? scorer.preferenceAccuracy(model) : Double.NaN;
        return new Outcome(v.id(), seed, test, validation, preference, losses, (System.nanoTime() - t0) / 1e9);
    }
}
