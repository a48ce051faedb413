package dev.allo.examples.quickstart;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.allo.Allo;
import dev.allo.AlloException;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.RewriteQuadruple;
import dev.allo.data.SupervisedExample;
import dev.allo.data.TruncationPolicy;
import dev.allo.examples.task.NoisyDemonstrations;
import dev.allo.examples.task.NumberWords;
import dev.allo.examples.task.Operation;
import dev.allo.examples.task.PreferenceRecord;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.ProblemConfig;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.examples.task.PromptStyle;
import dev.allo.examples.task.SampledSolutions;
import dev.allo.examples.task.TaskSplits;
import dev.allo.examples.task.WrongSolutionGenerator;
import dev.allo.impl.data.JsonlPreferenceWriter;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.scorer.RewritePrompt;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything the preference methods start from, built the same way for the quick start and the paper's experiments
 * (docs/quickstart.md): the task's splits, an SFT model trained on the reference solutions, on-policy preference
 * pairs sampled from it ({@link OnPolicyPairs}), held-out pairs built the same way from the validation problems,
 * and a rewriter (a copy of the SFT model fine-tuned on the teacher's minimal rewrites of the wrong samples).
 *
 * @param splits train / validation / test problems
 * @param sft the SFT model (owned: closed by {@link #close()})
 * @param rewriter the rewriting model of Eq. (5) (owned)
 * @param trainPairs on-policy training pairs
 * @param validationPairs held-out pairs from the validation problems
 * @param rewrites the rewriter's SFT examples
 * @param source which data recipe gave the training pairs
 * @param maxNewTokens the generation budget of one solution
 * @param skillTest the held-out numbers of the second skill (empty for the classic task)
 * @param demonstratedMistakes SFT demonstrations that carried a systematic mistake, per class name (a
 *     demonstration with several classes counts for each; empty for the classic task)
 */
public record PreparedTask(TaskSplits splits, DecoderModel sft, DecoderModel rewriter,
        List<PreferenceExample> trainPairs, List<PreferenceExample> validationPairs,
        List<PreferenceExample> rewrites, OnPolicyPairs.Source source, int maxNewTokens, List<Integer> skillTest,
        Map<String, Integer> demonstratedMistakes) implements AutoCloseable {

    /** The rewriter's prompt; {@code {problem}} is the pair's task prompt. */
    public static final PromptTemplate REWRITE_TEMPLATE = PromptTemplate.of("quickstart-rewrite",
            "{problem}\nRef: {solution}\nPred: {prediction}\nFix: ");
    /** The prompt layout of every model. */
    public static final PromptStyle STYLE = PromptStyle.COMPACT;
    /** The longest sequence and prompt, in tokens. */
    public static final TruncationPolicy TRUNCATION = TruncationPolicy.of(512, 256);
    /** The byte-level tokenizer of every model. */
    public static final Tokenizer TOKENIZER = ByteTokenizer.create();

    /** Copies the lists. */
    public PreparedTask {
        trainPairs = List.copyOf(trainPairs);
        validationPairs = List.copyOf(validationPairs);
        rewrites = List.copyOf(rewrites);
        skillTest = List.copyOf(skillTest);
        demonstratedMistakes = Map.copyOf(demonstratedMistakes);
    }

    /**
     * The problem distribution of a task: the classic one (1 to {@code maxSteps} steps of {@code + - *}, operands
     * 1-9, totals up to 99), or the systematic one (1 to {@code maxSteps} steps of {@code + -}, operands 1-9, totals
     * up to {@value #SYSTEMATIC_MAX_VALUE}).
     *
     * @param options the task and its step count
     * @return the config
     */
    public static ProblemConfig problemConfig(QuickStartOptions options) {
        ProblemConfig base = ProblemConfig.defaults().withSteps(1, options.maxSteps());
        return options.task() == QuickStartOptions.TaskKind.CLASSIC ? base
                : base.withOperations(EnumSet.of(Operation.ADD, Operation.SUBTRACT))
                        .withMaxValue(SYSTEMATIC_MAX_VALUE);
    }

    /** The bound on every running total of the systematic task. */
    public static final long SYSTEMATIC_MAX_VALUE = 30;

    /**
     * The SFT examples of the policy. Classic task: the reference solutions. Systematic task: the
     * {@link NoisyDemonstrations} at {@code fraction}, then {@code skillExamples} number-word demonstrations cycling
     * through the skill's training numbers. The pair format needs a rejected side, which the SFT objective never
     * reads: a {@link WrongSolutionGenerator} sample (the reference for number words).
     *
     * @param options the task, the seed and the skill's sizes
     * @param splits the problems
     * @param fraction the share of arithmetic demonstrations with a mistake
     * @param mistakes receives the count of demonstrations per mistake class
     * @param wrong the source of the unread rejected sides
     * @return the examples
     */
    public static List<PreferenceExample> sftData(QuickStartOptions options, TaskSplits splits, double fraction,
            Map<String, Integer> mistakes, WrongSolutionGenerator wrong) {
        List<PreferenceExample> sftData = new ArrayList<>();
        if (options.task() == QuickStartOptions.TaskKind.CLASSIC) {
            for (Problem p : splits.train()) {
                sftData.add(PreferenceExample.of(STYLE.taskPrompt(p.text()), p.referenceSolution(),
                        wrong.next(p).text()).withReference(p.referenceSolution()));
            }
            return sftData;
        }
        for (NoisyDemonstrations.Demonstration d : NoisyDemonstrations.build(splits.train(), fraction,
                options.mistakeClasses(), options.seed() + 3)) {
            d.mistakes().forEach(m -> mistakes.merge(m.name(), 1, Integer::sum));
            sftData.add(PreferenceExample.of(STYLE.taskPrompt(d.problem().text()), d.solution(),
                    wrong.next(d.problem()).text()).withReference(d.problem().referenceSolution()));
        }
        List<Integer> skillTrain = NumberWords.split(options.seed(), options.skillTest()).get(0);
        for (int i = 0; i < options.skillExamples(); i++) {
            int n = skillTrain.get(i % skillTrain.size());
            String words = NumberWords.words(n);
            sftData.add(PreferenceExample.of(STYLE.taskPrompt(NumberWords.question(n)), words,
                    NumberWords.words((n + 1) % (NumberWords.MAX + 1))).withReference(words));
        }
        return sftData;
    }

    /**
     * On-policy (correct, wrong) pairs and the teacher's rewrites from a policy's samples of some problems.
     *
     * @param policy the model sampled; unchanged
     * @param problems the problems sampled
     * @param options sampling settings and batch size
     * @param minPairs the fewest pairs before the fall-backs of {@link OnPolicyPairs} start
     * @param seed the sampling seed
     * @param maxNewTokens the generation budget
     * @return the pairs
     */
    public static OnPolicyPairs samplePairs(DecoderModel policy, List<Problem> problems, QuickStartOptions options,
            int minPairs, long seed, int maxNewTokens) {
        SolutionSampler sampler = new SolutionSampler(policy, TOKENIZER, STYLE, maxNewTokens);
        return OnPolicyPairs.build(sampler.sample(problems, options.samples(), options.temperature(),
                options.topP(), seed), STYLE, minPairs, 2, new WrongSolutionGenerator(seed + 1));
    }

    /**
     * The preference examples of the pairs' records.
     *
     * @param pairs on-policy pairs
     * @return one example per record, with its reference solution
     */
    public static List<PreferenceExample> examples(OnPolicyPairs pairs) {
        return examples(pairs.data().pairs());
    }

    /**
     * Builds the task, trains the SFT model, samples the pairs and trains the rewriter, writing the data as JSONL
     * under {@code out/data} and the two models' pipeline outputs under {@code out/sft} and {@code out/rewriter}.
     *
     * @param options sizes, learning rates and the seed
     * @param out the output directory
     * @param runner runs the training stages
     * @param log where progress is printed
     * @param clock records the phases {@code task}, {@code sft}, {@code sampling}, {@code rewriter}
     * @return the prepared task; the caller closes it
     */
    public static PreparedTask prepare(QuickStartOptions options, Path out, StageRunner runner, PrintStream log,
            PhaseClock clock) {
        Device device = Engine.getInstance().defaultDevice();
        TaskSplits splits = ProblemGenerator.splits(problemConfig(options), options.seed(), options.problems(),
                options.validation(), options.test());
        WrongSolutionGenerator wrong = new WrongSolutionGenerator(options.seed() + 1);
        int maxNewTokens = maxNewTokens(splits);
        DecoderConfig config = TinyModels.config(TOKENIZER, options.hidden(), options.layers(),
                TRUNCATION.maxLength());
        log.printf(Locale.ROOT, "Task: %d train, %d validation, %d test problems (1-%d steps). Model: hidden %d, %d"
                + " layers, %,d parameters, byte-level vocabulary of %d. Device %s.%n", splits.train().size(),
                splits.validation().size(), splits.test().size(), options.maxSteps(), options.hidden(),
                options.layers(), config.parameterCount(), TOKENIZER.vocabSize(), device);
        DecoderModel sft = DecoderModel.random(config, device, options.seed());
        try {
            Map<String, Integer> mistakes = new TreeMap<>();
            List<PreferenceExample> sftData = sftData(options, splits, options.mistakeFraction(), mistakes,
                    wrong);
            clock.phase("task");
            if (options.sftModel().isEmpty()) {
                log.println("[prepare 1/3] Supervised fine-tuning on the demonstrations (" + sftData.size()
                        + " examples" + (mistakes.isEmpty() ? "" : "; with a systematic mistake: " + mistakes) + ")");
                runner.train(sft, sftData, out.resolve("sft"), b -> b.stage(StageConfig.of("sft",
                        new ObjectiveConfig.Sft(), runner.training(options.sftLearningRate(), options.sftEpochs(),
                                sftData.size()))));
            } else {
                log.println("[prepare 1/3] Loading the SFT model from " + options.sftModel());
                sft.close();
                sft = (DecoderModel) Allo.loadModel(Path.of(options.sftModel()), device);
            }
            clock.phase("sft");

            log.println("[prepare 2/3] Sampling solutions from the SFT model: on-policy preference pairs and"
                    + " rewrites");
            SolutionSampler sampler = new SolutionSampler(sft, TOKENIZER, STYLE, maxNewTokens);
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
            clock.phase("sampling");

            log.println("[prepare 3/3] Training the rewriter on the teacher's minimal rewrites");
            DecoderModel rewriter = sft.copy();
            try {
                runner.train(rewriter, rewriterData, out.resolve("rewriter"), b -> b.stage(StageConfig.of("sft",
                        new ObjectiveConfig.Sft(), runner.training(options.sftLearningRate(),
                                options.rewriterEpochs(), rewriterData.size()))));
            } catch (RuntimeException e) {
                rewriter.close();
                throw e;
            }
            clock.phase("rewriter");
            List<Integer> skillTest = options.task() == QuickStartOptions.TaskKind.CLASSIC ? List.of()
                    : NumberWords.split(options.seed(), options.skillTest()).get(1);
            return new PreparedTask(splits, sft, rewriter, trainPairs, validationPairs, rewriterData,
                    train.source(), maxNewTokens, skillTest, mistakes);
        } catch (RuntimeException e) {
            sft.close();
            throw e;
        }
    }

    /** Closes both models. */
    @Override
    public void close() {
        try (DecoderModel a = sft; DecoderModel b = rewriter) {
            // closed by try-with-resources
        }
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

    /**
     * The generation budget of every answer: the longest reference solution of any split, plus 16 tokens.
     *
     * @param splits the task's problems
     * @return the budget in tokens (bytes)
     */
    public static int maxNewTokens(TaskSplits splits) {
        return longestSolution(splits) + 16;
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
}
