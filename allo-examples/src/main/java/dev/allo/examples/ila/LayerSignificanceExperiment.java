package dev.allo.examples.ila;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import dev.allo.Allo;
import dev.allo.data.BatchConfig;
import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.examples.task.Operation;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.ProblemConfig;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.ila.IlaImportanceEstimator;
import dev.allo.impl.ila.IlaMasks;
import dev.allo.impl.ila.LayerSignificance;
import dev.allo.impl.ila.SignificanceReport;
import dev.allo.impl.ila.UpdateSource;
import dev.allo.impl.ila.UpdateStabilityMonitor;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.train.TrainingImportanceContext;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.optim.AdamWConfig;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.LoopConfig;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * ILA's evidence at toy scale ("Understanding Layer Significance in LLM Alignment", Shi et al., arXiv 2410.17875):
 * on the arithmetic task with a tiny byte-level LLaMA, compares full fine-tuning with fine-tuning that freezes the least
 * significant matrices or trains only the most significant ones, and measures how much the significance rankings of
 * two task variants overlap.
 *
 * <ol>
 *   <li><b>Base model</b> (the paper's pre-trained LLM): a random model SFT-trained on the pre-training variant
 *       (additions and subtractions, operands 1-9, 1-2 steps). It is the starting point of every run.
 *   <li><b>Task</b> (the paper's alignment data): the variant that adds multiplication ({@code ends up with N times as
 *       many}), operands 1-9, multipliers 2-3, 1-2 steps. One fixed test set; per seed, other training problems, data
 *       order and warm-up.
 *   <li>Per seed: (a) {@code full}: SFT of every parameter; (b) {@code ila-freeze}: ILA learns the significance
 *       {@code s_l} of every decoder matrix on the task (SFT warm-up of at most {@code warmUpSteps} steps, stopped
 *       by the stability rule; gates on {@code W0 + sigmoid(s_l) dW_l} trained on SFT + {@code lambda sum gamma_l}),
 *       then SFT from the same base with the {@code ceil(0.25 M)} least significant matrices frozen
 *       ({@link IlaMasks#freezeBottom}, saved, {@link MaskRule#fromFile}); (c) {@code ila-top}: SFT of only the
 *       {@code ceil(0.30 M)} most significant matrices ({@link IlaMasks#topLayers}); (d) {@code random-top}, the
 *       control: SFT of as many matrices drawn at random. Each is scored by greedy generation on the test problems
 *       and the answer checker.
 *   <li>Overlap: ILA also runs on a second variant (additions and subtractions with operands 10-40); per seed the
 *       top-H overlap {@code |T_H(a) ∩ T_H(b)| / H} with {@code H = ceil(0.30 M)}, next to the overlap between two
 *       seeds of the same task and the {@code H / M} expected of random rankings.
 * </ol>
 *
 * <p>Outputs under {@code --out} (default {@code allo-output/ila}): {@code results.md} and {@code results.json},
 * {@code base/} and {@code seed-N/<variant>/} (pipeline outputs), the masks {@code seed-N/<variant>.mask}, and
 * {@code seed-N/significance-<task>.md} and {@code .png}. Options: see {@link ExperimentOptions}
 * ({@code --key=value}). Run with
 * {@code ./mvnw -q -B -pl allo-examples -am -DskipTests compile exec:java
 * -Dexec.mainClass=dev.allo.examples.ila.LayerSignificanceExperiment}.
 */
public final class LayerSignificanceExperiment {
    /** The task's name in outputs. */
    public static final String TASK = "task";
    /** The second variant's name in outputs. */
    public static final String VARIANT = "variant";
    /** The variants' names, in table order. */
    public static final List<String> VARIANTS = List.of("full", "ila-freeze", "ila-top", "random-top");

    private static final int MAX_LENGTH = 320;
    private static final int MAX_PROMPT_LENGTH = 224;
    private static final long BASE_SEED = 7;
    private static final long TEST_SEED = 1_000;
    private static final int EVAL_BATCH = 128;

    private final ExperimentOptions options;
    private final Tokenizer tokenizer = ByteTokenizer.create();
    private final Device device = Engine.getInstance().defaultDevice();
    private final GreedyAccuracy evaluator;
    private final int padId;

    private LayerSignificanceExperiment(ExperimentOptions options) {
        this.options = options;
        this.evaluator = new GreedyAccuracy(tokenizer, options.maxNewTokens(), EVAL_BATCH);
        this.padId = PreferenceCollator.padIdFor(tokenizer);
    }

    /**
     * Runs the experiment and prints where the results are.
     *
     * @param args {@code --key=value} options ({@link ExperimentOptions})
     */
    public static void main(String[] args) {
        ExperimentReport report = run(ExperimentOptions.parse(args));
        System.out.println(report.markdown());
        System.out.println("Results: " + report.options().out().toAbsolutePath().resolve("results.md"));
    }

    /**
     * Runs the experiment and writes its outputs.
     *
     * @param options the options
     * @return the report (also written as {@code results.md} and {@code results.json})
     */
    public static ExperimentReport run(ExperimentOptions options) {
        return new LayerSignificanceExperiment(options).execute();
    }

    /** The pre-training variant: additions and subtractions, 1-2 steps, operands 1-9. */
    static ProblemConfig pretrainVariant() {
        return ProblemConfig.defaults().withSteps(1, 2).withOperations(EnumSet.of(Operation.ADD, Operation.SUBTRACT));
    }

    /** The task: all three operations, 1-2 steps, operands 1-9, multipliers 2-3. */
    static ProblemConfig taskVariant() {
        return ProblemConfig.defaults().withSteps(1, 2);
    }

    /** The second variant for the overlap: additions and subtractions with operands 10-40. */
    static ProblemConfig secondVariant() {
        return pretrainVariant().withOperands(10, 40);
    }

    private ExperimentReport execute() {
        long start = System.nanoTime();
        ExperimentReport.Environment before = ExperimentReport.Environment.now();
        Path out = options.out().toAbsolutePath();
        List<Problem> test = ProblemGenerator.splits(taskVariant(), TEST_SEED, 0, 0, options.testProblems()).test();
        List<Problem> pretrainTest = ProblemGenerator.splits(pretrainVariant(), TEST_SEED, 0, 0,
                options.testProblems()).test();
        Set<String> excluded = ArithmeticSftData.texts(test);
        excluded.addAll(ArithmeticSftData.texts(pretrainTest));

        DecoderConfig config = DecoderConfig.builder().hiddenSize(options.hidden())
                .intermediateSize(options.intermediate()).numHiddenLayers(options.layers())
                .numAttentionHeads(options.heads()).numKeyValueHeads(options.heads() / 2)
                .vocabSize(tokenizer.vocabSize()).maxPositionEmbeddings(MAX_LENGTH)
                .bosTokenId(tokenizer.bosId().orElseThrow()).eosTokenIds(List.of(tokenizer.eosId().orElseThrow()))
                .padTokenId(tokenizer.padId().orElseThrow()).build();
        List<VariantRun> runs = new ArrayList<>();
        List<SignificanceRun> significances = new ArrayList<>();
        ExperimentReport.Base baseSummary;
        try (DecoderModel base = startingModel(config)) {
            baseSummary = pretrain(base, test, pretrainTest, excluded, out.resolve("base"));
            for (long seed = 1; seed <= options.seeds(); seed++) {
                Path dir = out.resolve("seed-" + seed);
                List<Problem> train = ArithmeticSftData.drawExcluding(taskVariant(), seed, options.trainProblems(),
                        excluded);
                List<PreferenceExample> examples = ArithmeticSftData.examples(train, seed);
                runs.add(fineTune(base, "full", seed, examples, MaskRule.all(), test, dir));

                SignificanceRun ila = significance(base, TASK, seed, examples, dir);
                significances.add(ila);
                Map<String, Shape> shapes = NeuronMask.shapesOf(base.parameters());
                NeuronMask freeze = IlaMasks.freezeBottom(ila.significance(), options.freezeFraction(), shapes);
                Path freezeFile = dir.resolve("ila-freeze.mask");
                freeze.save(freezeFile);
                runs.add(fineTune(base, "ila-freeze", seed, examples, MaskRule.fromFile(freezeFile.toString()), test,
                        dir));
                NeuronMask top = IlaMasks.topLayers(ila.significance(), topCount(ila.significance()), shapes);
                Path topFile = dir.resolve("ila-top.mask");
                top.save(topFile);
                runs.add(fineTune(base, "ila-top", seed, examples, MaskRule.fromFile(topFile.toString()), test,
                        dir));
                // Control: as many matrices as ila-top, drawn at random.
                NeuronMask random = IlaMasks.topLayers(shuffled(ila.significance(), seed),
                        topCount(ila.significance()), shapes);
                Path randomFile = dir.resolve("random-top.mask");
                random.save(randomFile);
                runs.add(fineTune(base, "random-top", seed, examples, MaskRule.fromFile(randomFile.toString()), test,
                        dir));

                List<Problem> second = ArithmeticSftData.drawExcluding(secondVariant(), seed,
                        options.trainProblems(), excluded);
                significances.add(significance(base, VARIANT, seed, ArithmeticSftData.examples(second, seed), dir));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int multiplyCount = (int) test.stream().filter(TaskAccuracy::hasMultiply).count();
        ExperimentReport report = new ExperimentReport(options, baseSummary, runs, significances,
                topCount(significances.get(0).significance()), multiplyCount, seconds, before,
                ExperimentReport.Environment.now());
        report.write(out);
        return report;
    }

    /** The same matrices with logits drawn uniformly at random: a random ranking. */
    private static LayerSignificance shuffled(LayerSignificance significance, long seed) {
        Random random = new Random(seed);
        List<LayerSignificance.Entry> entries = new ArrayList<>();
        for (LayerSignificance.Entry e : significance.entries()) {
            entries.add(new LayerSignificance.Entry(e.name(), e.layer(), e.module(), random.nextDouble()));
        }
        return new LayerSignificance(entries);
    }

    /** The model every run starts from: a saved base ({@code --base}) or a fresh random one to pre-train. */
    private DecoderModel startingModel(DecoderConfig config) {
        if (options.base().isEmpty()) {
            return DecoderModel.random(config, device, BASE_SEED);
        }
        CausalLm loaded = Allo.loadModel(Path.of(options.base()), device);
        if (!(loaded instanceof DecoderModel model)) {
            loaded.close();
            throw new IllegalArgumentException("--base=" + options.base() + " is not a LLaMA model");
        }
        DecoderConfig c = model.config();
        if (c.hiddenSize() != config.hiddenSize() || c.numHiddenLayers() != config.numHiddenLayers()
                || c.intermediateSize() != config.intermediateSize()
                || c.numAttentionHeads() != config.numAttentionHeads() || c.vocabSize() != config.vocabSize()) {
            model.close();
            throw new IllegalArgumentException("--base=" + options.base() + " has hidden " + c.hiddenSize()
                    + ", intermediate " + c.intermediateSize() + ", layers " + c.numHiddenLayers() + ", heads "
                    + c.numAttentionHeads() + ", vocabulary " + c.vocabSize() + "; the options ask for hidden "
                    + config.hiddenSize() + ", intermediate " + config.intermediateSize() + ", layers "
                    + config.numHiddenLayers() + ", heads " + config.numAttentionHeads() + ", vocabulary "
                    + config.vocabSize());
        }
        return model;
    }

    private int topCount(LayerSignificance significance) {
        return (int) Math.ceil(options.topFraction() * significance.entries().size());
    }

    /**
     * SFT of the random base model on the pre-training variant (skipped with {@code pretrainProblems=0} or a saved
     * {@code --base}), then its accuracies.
     */
    private ExperimentReport.Base pretrain(DecoderModel base, List<Problem> test, List<Problem> pretrainTest,
            Set<String> excluded, Path dir) {
        long start = System.nanoTime();
        if (options.base().isEmpty() && options.pretrainProblems() > 0) {
            List<Problem> problems = ArithmeticSftData.drawExcluding(pretrainVariant(), BASE_SEED,
                    options.pretrainProblems(), excluded);
            TrainingConfig training = training(options.pretrainLr(), options.pretrainEpochs());
            Allo.builder().model(base).tokenizer(tokenizer).data(ArithmeticSftData.examples(problems, BASE_SEED))
                    .stage(StageConfig.of("pretrain", new ObjectiveConfig.Sft(), training)).seed(BASE_SEED)
                    .maxLength(MAX_LENGTH, MAX_PROMPT_LENGTH).outputDirectory(dir).overwrite().build().run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double pretrainAccuracy = evaluator.accuracy(base, pretrainTest);
        TaskAccuracy task = TaskAccuracy.of(test, evaluator.correct(base, test));
        String source = options.base().isEmpty() ? "pre-trained here" : "loaded from " + options.base();
        System.out.printf("base (%s): pre-training %.1f s, accuracy %.3f on its own variant, %.3f on the task"
                + " (%.3f with a multiplication)%n", source, seconds, pretrainAccuracy, task.all(), task.multiply());
        return new ExperimentReport.Base(base.config().parameterCount(), pretrainAccuracy, task, seconds, source);
    }

    /** One SFT stage through the pipeline on a copy of the base model, then its test accuracy. */
    private VariantRun fineTune(DecoderModel base, String variant, long seed, List<PreferenceExample> examples,
            MaskRule mask, List<Problem> test, Path dir) {
        try (DecoderModel model = base.copy()) {
            AlignmentResult result = Allo.builder().model(model).tokenizer(tokenizer).data(examples)
                    .stage(StageConfig.of("sft", new ObjectiveConfig.Sft(), training(options.lr(), options.epochs()))
                            .withMask(mask))
                    .seed(seed).maxLength(MAX_LENGTH, MAX_PROMPT_LENGTH).outputDirectory(dir.resolve(variant))
                    .overwrite().build().run();
            NeuronMask used = result.masks().get("sft");
            double seconds = result.stages().get("sft").elapsedSeconds();
            long evalStart = System.nanoTime();
            TaskAccuracy accuracy = TaskAccuracy.of(test, evaluator.correct(model, test));
            System.out.printf("seed %d %-10s accuracy %.3f (%.3f with a multiplication), %,d of %,d parameters"
                    + " trainable, %.1f s training, %.1f s evaluation%n", seed, variant, accuracy.all(),
                    accuracy.multiply(), used.selectedCount(), used.size(), seconds,
                    (System.nanoTime() - evalStart) / 1e9);
            return new VariantRun(variant, seed, accuracy.all(), accuracy.multiply(), accuracy.other(),
                    used.selectedCount(), used.size(), seconds);
        }
    }

    /** ILA on one task variant: warm-up (stopped when stable), gates, ranking; writes its table and heat map. */
    private SignificanceRun significance(DecoderModel base, String task, long seed, List<PreferenceExample> examples,
            Path dir) {
        long start = System.nanoTime();
        List<TokenizedPair> pairs = encode(examples);
        long[] steps = {0};
        TrainingListener counter = new TrainingListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                steps[0] = metrics.step();
            }
        };
        try (UpdateStabilityMonitor monitor = new UpdateStabilityMonitor(2, options.stabilityEpsilon(), true,
                counter)) {
            BatchConfig order = BatchConfig.of(options.batch()).withShuffle(true, seed);
            TrainingImportanceContext warmUp = TrainingImportanceContext.builder(pairs)
                    .objective(new ObjectiveConfig.Sft())
                    .optimizer(AdamWConfig.builder().learningRate(options.warmUpLr()).weightDecay(0).build())
                    .config(LoopConfig.of(options.batch(), options.batch(), options.warmUpSteps()).withBatch(order)
                            .withMaxSteps(options.warmUpSteps())) // epochs enough for the cap
                    .padId(padId).listener(monitor).build();
            UpdateSource updates = options.warmUp().equals("lora")
                    ? UpdateSource.loraWarmUp(LoraConfig.of(4, 8, List.of(LoraConfig.ALL_LINEAR)), seed, monitor)
                    : UpdateSource.fullWarmUp(monitor);
            IlaImportanceEstimator ila = IlaImportanceEstimator.builder(pairs).updates(updates)
                    .objective(new ObjectiveConfig.Sft()).lambda(options.lambda())
                    .optimizer(AdamWConfig.builder().learningRate(options.gateLr()).weightDecay(0).build())
                    .config(LoopConfig.of(options.batch(), options.batch(), options.gateEpochs()).withBatch(order))
                    .padId(padId).build();
            LayerSignificance significance = ila.significance(base, warmUp);
            double seconds = (System.nanoTime() - start) / 1e9;
            TextFiles.write(dir.resolve("significance-" + task + ".md"),
                    SignificanceReport.markdownTable(significance));
            SignificanceReport.writeHeatMap(significance, "ILA gates, " + task + ", seed " + seed,
                    dir.resolve("significance-" + task + ".png"), 640, 420);
            System.out.printf("seed %d ILA on %-7s warm-up %d steps (%s), %.1f s; top: %s%n", seed, task, steps[0],
                    monitor.isStable() ? "stable" : "step cap", seconds,
                    significance.top(Math.min(3, significance.entries().size())));
            return new SignificanceRun(task, seed, significance, steps[0], monitor.checks(), seconds);
        }
    }

    private List<TokenizedPair> encode(List<PreferenceExample> examples) {
        PairEncoder encoder = new PairEncoder(tokenizer, TruncationPolicy.of(MAX_LENGTH, MAX_PROMPT_LENGTH));
        DropLog drops = new DropLog();
        List<TokenizedPair> pairs = new ArrayList<>();
        long index = 0;
        for (PreferenceExample e : examples) {
            encoder.encode(index++, e, drops).ifPresent(pairs::add);
        }
        if (drops.count() > 0) {
            throw new IllegalStateException("no problem should be truncated at maxLength=" + MAX_LENGTH + ", but "
                    + drops.summary());
        }
        return pairs;
    }

    private TrainingConfig training(double lr, int epochs) {
        return TrainingConfig.defaults().withLearningRate(lr).withBatchSize(options.batch(), options.batch())
                .withEpochs(epochs);
    }
}
