package dev.allo.examples.quickstart;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.allo.Allo;
import dev.allo.AlloException;
import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.SupervisedExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.examples.task.PreferenceRecord;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.ProblemConfig;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.examples.task.PromptStyle;
import dev.allo.examples.task.RewriteQuadruple;
import dev.allo.examples.task.SampledSolutions;
import dev.allo.examples.task.TaskSplits;
import dev.allo.examples.task.WrongSolutionGenerator;
import dev.allo.impl.data.JsonlPreferenceWriter;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.LlamaConfig;
import dev.allo.impl.model.LlamaModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.PreferenceEvaluator;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.scorer.RewritePrompt;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The quick start end to end, on the built-in arithmetic task (docs/quickstart.md):
 *
 * <ol>
 *   <li>generate train / validation / test problems ({@link ProblemGenerator}, {@link PromptStyle#COMPACT});
 *   <li>supervised fine-tuning of a tiny random {@link LlamaModel} on the reference solutions (one pipeline stage
 *       with the SFT objective on every weight);
 *   <li>on-policy preference data: sample solutions of the first {@code preferenceProblems} training problems from
 *       the SFT model, keep (correct, wrong) pairs ({@link OnPolicyPairs}); the teacher's minimal rewrites of the wrong samples train a rewriter
 *       (a copy of the SFT model, fine-tuned by SFT on rewrite prompt to corrected prediction);
 *   <li>DPO: one full-parameter stage from a copy of the SFT model;
 *   <li>ALLO: locate (weight delta after a DPO warm-up), forget (token NPO on the top 5%, token rewards from the
 *       rewriter, Eq. 5), learn (token DPO on the top 10%, Eq. 8-9), from another copy;
 *   <li>evaluate greedy test accuracy of the three models and the held-out DPO reward accuracy of DPO and ALLO
 *       against the SFT model on validation pairs built the same way.
 * </ol>
 *
 * <p>Output directory: {@code data/} (the pairs and the rewriter's examples as JSONL), {@code sft/},
 * {@code rewriter/}, {@code dpo/}, {@code allo/} (each a pipeline output directory: configuration, masks, metrics,
 * loss charts, the trained model under {@code model/}) and {@code results.md}.
 */
public final class QuickStartRun {
    /** The rewriter's prompt; {@code {problem}} is the pair's task prompt. */
    static final PromptTemplate REWRITE_TEMPLATE = PromptTemplate.of("quickstart-rewrite",
            "{problem}\nRef: {solution}\nPred: {prediction}\nFix: ");

    private static final PromptStyle STYLE = PromptStyle.COMPACT;
    private static final TruncationPolicy TRUNCATION = TruncationPolicy.of(512, 256);

    private final QuickStartOptions options;
    private final PrintStream log;
    private final TrainingListener progress;
    private final Tokenizer tokenizer = ByteTokenizer.create();
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long phaseStart;

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
     * Runs every step.
     *
     * @return the measurements
     */
    public QuickStartResult run() {
        Path out = options.out().toAbsolutePath();
        Device device = Engine.getInstance().defaultDevice();
        phaseStart = System.nanoTime();
        TaskSplits splits = ProblemGenerator.splits(ProblemConfig.defaults().withSteps(1, options.maxSteps()),
                options.seed(), options.problems(), options.validation(), options.test());
        WrongSolutionGenerator wrong = new WrongSolutionGenerator(options.seed() + 1);
        int maxNewTokens = longestSolution(splits) + 16;
        LlamaConfig config = TinyModels.config(tokenizer, options.hidden(), options.layers(), TRUNCATION.maxLength());
        log.printf(Locale.ROOT, "Task: %d train, %d validation, %d test problems (1-%d steps). Model: hidden %d, %d"
                + " layers, %,d parameters, byte-level vocabulary of %d. Device %s.%n", splits.train().size(),
                splits.validation().size(), splits.test().size(), options.maxSteps(), options.hidden(),
                options.layers(), config.parameterCount(), tokenizer.vocabSize(), device);
        try (LlamaModel sft = LlamaModel.random(config, device, options.seed())) {
            List<PreferenceExample> sftData = new ArrayList<>();
            for (Problem p : splits.train()) {
                // The SFT objective reads only the chosen side; the pair format needs a rejected one too.
                sftData.add(PreferenceExample.of(STYLE.taskPrompt(p.text()), p.referenceSolution(),
                        wrong.next(p).text()).withReference(p.referenceSolution()));
            }
            phase("task");
            log.println("[1/5] Supervised fine-tuning on the reference solutions");
            train(sft, sftData, out.resolve("sft"), b -> b.stage(StageConfig.of("sft", new ObjectiveConfig.Sft(),
                    training(options.sftLearningRate(), options.sftEpochs(), sftData.size()))));
            phase("sft");

            log.println("[2/5] Sampling solutions from the SFT model: on-policy preference pairs and rewrites");
            SolutionSampler sampler = new SolutionSampler(sft, tokenizer, STYLE, maxNewTokens);
            int minTrain = Math.max(2 * options.batchSize(), options.preferenceProblems() / 2);
            List<Problem> preferenceProblems = splits.train().subList(0, options.preferenceProblems());
            OnPolicyPairs train = OnPolicyPairs.build(sampler.sample(preferenceProblems, options.samples(),
                    options.temperature(), options.topP(), options.seed()), STYLE, minTrain, 2, wrong);
            List<SampledSolutions> validationSamples = sampler.sample(splits.validation(), options.samples(),
                    options.temperature(), options.topP(), options.seed() + 2);
            OnPolicyPairs validation = OnPolicyPairs.build(validationSamples, STYLE,
                    Math.max(8, options.validation() / 2), 2, wrong);
            List<PreferenceExample> trainPairs = examples(train.data().pairs());
            List<PreferenceExample> validationPairs = examples(validation.data().pairs());
            List<PreferenceExample> rewriterData = rewriterExamples(train.data().rewrites());
            writeData(out.resolve("data"), trainPairs, validationPairs, rewriterData);
            log.printf(Locale.ROOT, "      %s -> %d training pairs (%s); %d validation pairs (%s); %d rewrites%n",
                    train.data().summary(), trainPairs.size(), train.source(), validationPairs.size(),
                    validation.source(), rewriterData.size());
            phase("sampling");

            try (LlamaModel rewriter = sft.copy(); LlamaModel dpo = sft.copy(); LlamaModel allo = sft.copy()) {
                log.println("[3/5] Training the rewriter on the teacher's minimal rewrites");
                train(rewriter, rewriterData, out.resolve("rewriter"), b -> b.stage(StageConfig.of("sft",
                        new ObjectiveConfig.Sft(), training(options.sftLearningRate(), options.rewriterEpochs(),
                                rewriterData.size()))));
                phase("rewriter");

                log.println("[4/5] DPO: one full-parameter stage");
                TrainingConfig dpoTraining = training(options.dpoLearningRate(), options.dpoEpochs(),
                        trainPairs.size());
                train(dpo, trainPairs, out.resolve("dpo"),
                        b -> b.stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), dpoTraining)));
                phase("dpo");

                log.println("[5/5] ALLO: locate key neurons, forget with the rewriter's token rewards, learn");
                train(allo, trainPairs, out.resolve("allo"), b -> b
                        .locateNeurons(LocateConfig.weightDelta().withWarmUp(
                                training(options.dpoLearningRate(), 1, trainPairs.size())))
                        .forget(ForgetConfig.defaults().withTraining(
                                training(options.forgetLearningRate(), 1, trainPairs.size())))
                        .rewriter(rewriter).rewriteTemplate(REWRITE_TEMPLATE) // Eq. (5) with the short template
                        .learn(LearnConfig.defaults().withTraining(dpoTraining)));
                phase("allo");

                log.println("Evaluating on the test problems and the held-out pairs");
                List<QuickStartResult.Row> rows = evaluate(splits.test(), validationPairs, maxNewTokens,
                        List.of(sft, dpo, allo), List.of("SFT", "DPO", "ALLO"),
                        List.of(out.resolve("sft/model"), out.resolve("dpo/model"), out.resolve("allo/model")));
                phase("evaluation");
                QuickStartResult result = new QuickStartResult(rows, trainPairs.size(), validationPairs.size(),
                        rewriterData.size(), train.source(), seconds, out);
                ResultsFile.write(result, options, out.resolve("results.md"));
                return result;
            }
        }
    }

    private List<QuickStartResult.Row> evaluate(List<Problem> test, List<PreferenceExample> validationPairs,
            int maxNewTokens, List<LlamaModel> models, List<String> names, List<Path> dirs) {
        int pad = PreferenceCollator.padIdFor(tokenizer);
        List<TokenizedPair> pairs = encode(validationPairs);
        PreferenceObjective dpo = PreferenceObjective.of(ObjectiveConfig.Dpo.defaults());
        ReferenceLogProbs reference = ReferenceLogProbs.compute(models.get(0), pairs, options.batchSize(),
                TokenLogProbs.unchunked(), pad, "quickstart-validation-sft");
        List<QuickStartResult.Row> rows = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            LlamaModel model = models.get(i);
            double accuracy = new SolutionSampler(model, tokenizer, STYLE, maxNewTokens).accuracy(test);
            double preference = i == 0 ? Double.NaN : PreferenceEvaluator.evaluate(model, dpo, pairs, reference,
                    options.batchSize(), TokenLogProbs.unchunked(), pad).get("rewards/accuracies");
            rows.add(new QuickStartResult.Row(names.get(i), accuracy, preference, dirs.get(i)));
        }
        return rows;
    }

    private List<TokenizedPair> encode(List<PreferenceExample> examples) {
        PairEncoder encoder = new PairEncoder(tokenizer, TRUNCATION);
        DropLog drops = new DropLog();
        List<TokenizedPair> pairs = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            encoder.encode(i, examples.get(i), drops).ifPresent(pairs::add);
        }
        return pairs;
    }

    private void train(LlamaModel model, List<PreferenceExample> data, Path dir,
            UnaryOperator<AlignmentBuilder> stages) {
        AlignmentResult result = stages.apply(Allo.builder().model(model).tokenizer(tokenizer).data(data)
                .seed(options.seed()).maxLength(TRUNCATION.maxLength(), TRUNCATION.maxPromptLength())
                .listener(progress).outputDirectory(dir)).build().run();
        result.stages().forEach((name, stage) -> {
            var history = stage.history();
            var last = history.get(history.size() - 1);
            log.printf(Locale.ROOT, "      %s: %d steps, loss %.4f -> %.4f%n", name, history.size(),
                    history.get(0).loss(), last.loss());
        });
    }

    private TrainingConfig training(double learningRate, int epochs, int pairs) {
        int batch = Math.max(1, Math.min(options.batchSize(), pairs));
        return TrainingConfig.defaults().withLearningRate(learningRate).withBatchSize(batch, batch)
                .withEpochs(epochs);
    }

    /** SFT examples of the rewriter: the scorer's own prompt (same template, same filling) to the teacher's fix. */
    private static List<PreferenceExample> rewriterExamples(List<RewriteQuadruple> rewrites) {
        List<PreferenceExample> out = new ArrayList<>();
        for (RewriteQuadruple q : rewrites) {
            PreferenceExample pair = PreferenceExample.of(STYLE.taskPrompt(q.problem()), q.correctSolution(),
                    q.wrongPrediction()).withReference(q.correctSolution());
            out.add(PreferenceExample.of(RewritePrompt.text(REWRITE_TEMPLATE, pair), q.correctedPrediction(),
                    q.wrongPrediction()));
        }
        return out;
    }

    private static List<PreferenceExample> examples(List<PreferenceRecord> records) {
        List<PreferenceExample> out = new ArrayList<>();
        for (PreferenceRecord r : records) {
            out.add(PreferenceExample.of(r.prompt(), r.chosen(), r.rejected()).withReference(r.reference()));
        }
        return out;
    }

    private static void writeData(Path dir, List<PreferenceExample> train, List<PreferenceExample> validation,
            List<PreferenceExample> rewriter) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new AlloException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
        JsonlPreferenceWriter.writeAll(dir.resolve("train-pairs.jsonl"), train);
        JsonlPreferenceWriter.writeAll(dir.resolve("validation-pairs.jsonl"), validation);
        List<SupervisedExample> supervised = new ArrayList<>();
        for (PreferenceExample e : rewriter) {
            supervised.add(new SupervisedExample(e.prompt(), e.chosen(), Optional.empty()));
        }
        JsonlPreferenceWriter.writeSupervised(dir.resolve("rewriter-sft.jsonl"), supervised);
    }

    private static int longestSolution(TaskSplits splits) {
        int longest = 0;
        for (List<Problem> split : List.of(splits.train(), splits.validation(), splits.test())) {
            for (Problem p : split) {
                longest = Math.max(longest, p.referenceSolution().length());
            }
        }
        return longest;
    }

    private void phase(String name) {
        long now = System.nanoTime();
        seconds.put(name, (now - phaseStart) / 1e9);
        log.printf(Locale.ROOT, "      (%s: %.1f s)%n", name, (now - phaseStart) / 1e9);
        phaseStart = now;
    }
}
