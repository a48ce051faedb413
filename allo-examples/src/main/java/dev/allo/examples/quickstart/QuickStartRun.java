package dev.allo.examples.quickstart;

import dev.allo.data.PreferenceExample;
import dev.allo.examples.stats.Bootstrap;
import dev.allo.examples.stats.Interval;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.examples.task.PromptStyle;
import dev.allo.examples.task.SystematicMistake;
import dev.allo.examples.task.WrongSolutionGenerator;
import dev.allo.impl.model.DecoderModel;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The quick start end to end, on the built-in arithmetic task (docs/quickstart.md):
 *
 * <ol>
 *   <li>generate train / validation / test problems ({@link ProblemGenerator}, {@link PromptStyle#COMPACT});
 *   <li>supervised fine-tuning of a tiny random {@link DecoderModel} on the reference solutions (one pipeline stage
 *       with the SFT objective on every weight);
 *   <li>on-policy preference data: sample solutions of the first {@code preferenceProblems} training problems from
 *       the SFT model, keep (correct, wrong) pairs as (chosen, rejected) ({@link OnPolicyPairs}); the teacher's
 *       minimal rewrites of the wrong samples train a rewriter (a copy of the SFT model, fine-tuned by SFT on
 *       rewrite prompt to corrected prediction); steps 1-3 are {@link PreparedTask#prepare};
 *   <li>DPO: one full-parameter stage from a copy of the SFT model;
 *   <li>ALLO: locate (weight delta after a DPO warm-up), forget (token NPO on the top 5%, token rewards from the
 *       rewriter, Eq. 5), learn (token DPO on the top 10%, Eq. 8-9), from another copy;
 *   <li>evaluate greedy test accuracy of the three models and the held-out DPO reward accuracy of DPO and ALLO
 *       against the SFT model on validation pairs built the same way ({@link ModelScorer}).
 * </ol>
 *
 * <p>Output directory: {@code data/} (the pairs and the rewriter's examples as JSONL), {@code sft/},
 * {@code rewriter/}, {@code dpo/}, {@code allo/} (each a pipeline output directory: configuration, masks, metrics,
 * loss charts, the trained model under {@code model/}), {@code results.md}, {@code results.json} and their charts
 * ({@link ResultCharts}).
 */
public final class QuickStartRun {
    private final QuickStartOptions options;
    private final PrintStream log;
    private final TrainingListener progress;
    private final Map<String, List<Double>> chosenRates = new LinkedHashMap<>();

    /**
     * Prepares a run.
     *
     * @param options the knobs
     * @param log where to print what happens and the table
     * @param progress a listener of every training stage (a progress bar, or a no-op)
     */
    public QuickStartRun(QuickStartOptions options, PrintStream log, TrainingListener progress) {
        this.options = options;
        this.log = log;
        this.progress = progress;
    }

    /**
     * Runs every step for every seed, then summarises.
     *
     * @return the measurements
     */
    public QuickStartResult run() {
        Path out = options.out().toAbsolutePath();
        PhaseClock clock = new PhaseClock(log);
        List<String> names = new ArrayList<>(List.of("SFT"));
        options.methods().forEach(m -> names.add(MethodTrainer.label(m)));
        Map<String, List<Evaluation>> evaluations = new LinkedHashMap<>();
        Map<String, List<Double>> preference = new LinkedHashMap<>();
        names.forEach(n -> {
            evaluations.put(n, new ArrayList<>());
            preference.put(n, new ArrayList<>());
        });
        List<Evaluation> ceiling = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        PreparedTaskSummary first = null;
        for (int k = 0; k < options.seeds(); k++) {
            long seed = options.seed() + k;
            seeds.add(seed);
            QuickStartOptions seedOptions = options.withSeed(seed);
            Path dir = options.seeds() == 1 ? out : out.resolve("seed-" + seed);
            if (options.seeds() > 1) {
                log.printf(Locale.ROOT, "=== seed %d (%d of %d) ===%n", seed, k + 1, options.seeds());
            }
            StageRunner seedRunner = new StageRunner(PreparedTask.TOKENIZER, PreparedTask.TRUNCATION, seed,
                    options.batchSize(), progress, log);
            PreparedTaskSummary summary = runSeed(seedOptions, dir, seedRunner, clock, evaluations, preference,
                    ceiling);
            first = first == null ? summary : first;
        }
        QuickStartResult result = ResultSummary.summarise(evaluations, preference, ceiling, seeds,
                options.seed(), first.trainPairs(), first.validationPairs(), first.rewrites(), first.source(),
                clock.seconds(), out);
        if (!chosenRates.isEmpty()) {
            log.println("Learning rates chosen on the validation problems, per seed: " + chosenRates);
        }
        ResultsFile.write(result, options, out.resolve("results.md"));
        ResultsFile.writeJson(result, options.task().name().toLowerCase(Locale.ROOT), evaluations, ceiling,
                out.resolve("results.json"));
        writeCharts(out);
        return result;
    }

    /**
     * Draws the results and the first seed's training curves (of the chosen rate's stages when a rate grid ran)
     * beside {@code results.json}; a chart that cannot be drawn is reported, never fails the finished run.
     */
    private void writeCharts(Path out) {
        Path firstSeed = options.seeds() == 1 ? out : out.resolve("seed-" + options.seed());
        List<String> chosenStages = new ArrayList<>();
        for (String method : options.methods()) {
            List<Double> rates = chosenRates.get(MethodTrainer.label(method));
            if (rates != null) {
                chosenStages.add(method + "-lr-" + String.format(Locale.ROOT, "%.0e", rates.get(0)) + "/");
            }
        }
        try {
            ResultCharts.writeBeside(out.resolve("results.json"), firstSeed, chosenStages, log);
        } catch (RuntimeException e) {
            log.println("Charts not written: " + e.getMessage());
        }
    }

    /** The counts of a seed's prepared data that the summary reports. */
    private record PreparedTaskSummary(int trainPairs, int validationPairs, int rewrites, OnPolicyPairs.Source source) {}

    private PreparedTaskSummary runSeed(QuickStartOptions seedOptions, Path out, StageRunner seedRunner,
            PhaseClock clock, Map<String, List<Evaluation>> evaluations, Map<String, List<Double>> preference,
            List<Evaluation> ceiling) {
        try (PreparedTask task = PreparedTask.prepare(seedOptions, out, seedRunner, log, clock)) {
            List<Problem> test = task.splits().test();
            ModelScorer scorer = new ModelScorer(task.sft(), task.validationPairs(), task.maxNewTokens(),
                    seedOptions.batchSize());
            record(evaluations, preference, "SFT", Evaluation.of(task.sft(), test, task.skillTest(),
                    task.maxNewTokens()), Double.NaN);
            clock.phase("evaluation");
            if (!seedOptions.learningRateGrid().isEmpty() && !seedOptions.methods().isEmpty()) {
                log.printf(Locale.ROOT, "      SFT model (the grid's point of comparison): validation accuracy"
                        + " %.1f%%%n", 100 * scorer.accuracy(task.sft(), task.splits().validation()));
            }
            int step = 1;
            for (String method : seedOptions.methods()) {
                String label = MethodTrainer.label(method);
                log.printf(Locale.ROOT, "[%d/%d] %s%s%n", step++, seedOptions.methods().size(), label,
                        seedOptions.rounds() > 1 ? ", " + seedOptions.rounds() + " on-policy rounds" : "");
                try (DecoderModel model = trainSelected(method, seedOptions, task, scorer, out, seedRunner)) {
                    clock.phase(method);
                    record(evaluations, preference, label, Evaluation.of(model, test, task.skillTest(),
                            task.maxNewTokens()), scorer.preferenceAccuracy(model));
                    clock.phase("evaluation");
                }
            }
            if (seedOptions.ceiling()) {
                ceiling.add(capacityCeiling(seedOptions, task, out.resolve("sft-clean"), seedRunner));
                clock.phase("ceiling");
            }
            return new PreparedTaskSummary(task.trainPairs().size(), task.validationPairs().size(),
                    task.rewrites().size(), task.source());
        }
    }

    /**
     * Trains a method from a copy of the SFT model. Without a learning-rate grid, at the options' rates. With one,
     * once per grid value {@code g} (DPO-family rate {@code g}; ALLO learning rate {@code 10 g}, forgetting rate
     * {@code g}), keeping the model with the best greedy accuracy on the validation problems (never the test
     * problems); ties go to the smaller rate.
     */
    private DecoderModel trainSelected(String method, QuickStartOptions seedOptions, PreparedTask task,
            ModelScorer scorer, Path out, StageRunner seedRunner) {
        if (seedOptions.learningRateGrid().isEmpty()) {
            DecoderModel model = task.sft().copy();
            try {
                new MethodTrainer(seedOptions, seedRunner, log).train(method, model, task, out.resolve(method));
                return model;
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
        DecoderModel best = null;
        double bestAccuracy = -1;
        double bestRate = Double.NaN;
        for (double g : seedOptions.learningRateGrid()) {
            QuickStartOptions at = seedOptions.withLearningRates(g, 10 * g, g);
            DecoderModel model = task.sft().copy();
            try {
                new MethodTrainer(at, seedRunner, log).train(method, model, task, out.resolve(method + "-lr-"
                        + String.format(Locale.ROOT, "%.0e", g)));
                double accuracy = scorer.accuracy(model, task.splits().validation());
                log.printf(Locale.ROOT, "      %s at rate %.0e: validation accuracy %.1f%%%n", method, g,
                        100 * accuracy);
                if (accuracy > bestAccuracy) {
                    if (best != null) {
                        best.close();
                    }
                    best = model;
                    bestAccuracy = accuracy;
                    bestRate = g;
                } else {
                    model.close();
                }
            } catch (RuntimeException e) {
                model.close();
                if (best != null) {
                    best.close();
                }
                throw e;
            }
        }
        log.printf(Locale.ROOT, "      %s: chose rate %.0e on the validation problems%n", method, bestRate);
        chosenRates.computeIfAbsent(MethodTrainer.label(method), k -> new ArrayList<>()).add(bestRate);
        return best;
    }

    /** SFT from the same random start on the same problems, every demonstration correct. */
    private Evaluation capacityCeiling(QuickStartOptions seedOptions, PreparedTask task, Path dir,
            StageRunner seedRunner) {
        log.println("[ceiling] SFT on clean demonstrations (the capacity ceiling)");
        List<PreferenceExample> clean = PreparedTask.sftData(seedOptions, task.splits(), 0.0, new LinkedHashMap<>(),
                new WrongSolutionGenerator(seedOptions.seed() + 1));
        try (DecoderModel model = DecoderModel.random(task.sft().config(), task.sft().device(),
                seedOptions.seed())) {
            seedRunner.train(model, clean, dir, b -> b.stage(StageConfig.of("sft", new ObjectiveConfig.Sft(),
                    seedRunner.training(seedOptions.sftLearningRate(), seedOptions.sftEpochs(), clean.size()))));
            return Evaluation.of(model, task.splits().test(), task.skillTest(), task.maxNewTokens());
        }
    }

    private static void record(Map<String, List<Evaluation>> evaluations, Map<String, List<Double>> preference,
            String name, Evaluation e, double preferenceAccuracy) {
        evaluations.get(name).add(e);
        preference.get(name).add(preferenceAccuracy);
    }
}
