package dev.allo.examples;

import ai.djl.engine.Engine;
import dev.allo.Allo;
import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.examples.quickstart.TinyModels;
import dev.allo.examples.scorer.WrongNumberTokenScorer;
import dev.allo.examples.task.PreferenceData;
import dev.allo.examples.task.PreferenceDataBuilder;
import dev.allo.examples.task.PreferenceDataConfig;
import dev.allo.examples.task.PreferenceRecord;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.ProblemConfig;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.examples.task.PromptStyle;
import dev.allo.examples.task.SampledSolutions;
import dev.allo.examples.task.WrongSolutionGenerator;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.pipeline.ConsoleProgress;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The extension point of ALLO's forgetting stage, end to end: a user-written {@link TokenScorer}
 * ({@link WrongNumberTokenScorer}: {@code r_j = 1} on the digits of wrong numbers) plugged in with
 * {@code TokenRewards.CUSTOM} and {@code .tokenScorer(...)} instead of a rewriting model.
 *
 * <p>A tiny model is fine-tuned briefly on the arithmetic task, preference pairs are built from the reference
 * solutions and synthetic wrong ones, and ALLO runs locate, forget (token NPO weighted by the custom scorer) and
 * learn. The example prints one pair with the weighted tokens in brackets and the stages' losses.
 *
 * <p>Argument (optional): the output directory (default {@code allo-output/custom-scorer}).
 */
public final class CustomTokenScorerExample {
    private CustomTokenScorerExample() {}

    /**
     * Runs the example at its default size.
     *
     * @param args optional output directory
     */
    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "allo-output/custom-scorer");
        run(192, 64, 3, out, System.out, new ConsoleProgress(System.err));
    }

    /**
     * Runs the example.
     *
     * @param problems training problems
     * @param hidden the model's hidden size (a multiple of 8)
     * @param sftEpochs epochs of the short supervised fine-tuning
     * @param out the output directory
     * @param log where to print
     * @param progress a listener of every stage
     * @return the ALLO run's result
     */
    public static AlignmentResult run(int problems, int hidden, int sftEpochs, Path out, PrintStream log,
            TrainingListener progress) {
        Tokenizer tokenizer = ByteTokenizer.create();
        PromptStyle style = PromptStyle.COMPACT;
        List<Problem> train = ProblemGenerator.splits(ProblemConfig.defaults().withSteps(1, 2), 11, problems, 0, 0)
                .train();
        WrongSolutionGenerator wrong = new WrongSolutionGenerator(12);
        List<SampledSolutions> synthetic = new ArrayList<>();
        for (Problem p : train) {
            synthetic.add(SampledSolutions.synthetic(p, 2, wrong));
        }
        PreferenceData data = new PreferenceDataBuilder(PreferenceDataConfig.defaults(), style).build(synthetic);
        List<PreferenceExample> pairs = new ArrayList<>();
        for (PreferenceRecord r : data.pairs()) {
            pairs.add(PreferenceExample.of(r.prompt(), r.chosen(), r.rejected()).withReference(r.reference()));
        }
        TokenScorer scorer = new WrongNumberTokenScorer(tokenizer);
        log.println("Custom token rewards of one pair ([x] = weight 1):");
        log.println(marked(tokenizer, scorer, pairs.get(0)));

        // At least four steps per epoch, so that the schedule's warm-up (whose first step has learning rate 0) ends.
        int batch = Math.max(1, Math.min(16, pairs.size() / 4));
        TrainingConfig training = TrainingConfig.defaults().withBatchSize(batch, batch);
        try (DecoderModel model = DecoderModel.random(TinyModels.config(tokenizer, hidden, 2, 512),
                Engine.getInstance().defaultDevice(), 11)) {
            Allo.builder().model(model).tokenizer(tokenizer).data(pairs).listener(progress)
                    .stage(StageConfig.of("sft", new ObjectiveConfig.Sft(),
                            training.withLearningRate(3e-3).withEpochs(sftEpochs)))
                    .outputDirectory(out.resolve("sft")).overwrite().build().run();
            AlignmentResult result = Allo.builder().model(model).tokenizer(tokenizer).data(pairs).listener(progress)
                    .locateNeurons(LocateConfig.weightDelta().withWarmUp(training.withLearningRate(5e-4)))
                    .forget(ForgetConfig.defaults().withRewards(TokenRewards.CUSTOM)
                            .withTraining(training.withLearningRate(5e-4)))
                    .tokenScorer(scorer)
                    .learn(LearnConfig.defaults().withTraining(training.withLearningRate(5e-4).withEpochs(2)))
                    .outputDirectory(out.resolve("allo")).overwrite().build().run();
            result.stages().forEach((name, stage) -> {
                List<StepMetrics> h = stage.history(); // a bounded sample: first and last step included
                StepMetrics last = stage.last();
                log.printf(Locale.ROOT, "%s: %d steps, loss %.4f -> %.4f%s%n", name, stage.steps(), h.get(0).loss(),
                        last.loss(), name.equals("forget") ? String.format(Locale.ROOT,
                                ", weighted fraction of rejected tokens %.3f",
                                last.get("tokens/rejected_weighted_fraction")) : "");
            });
            log.println("Output directory: " + result.outputDirectory());
            return result;
        }
    }

    /** The rejected response with every token of weight 1 in brackets. */
    static String marked(Tokenizer tokenizer, TokenScorer scorer, PreferenceExample example) {
        TokenizedPair pair = new PairEncoder(tokenizer, TruncationPolicy.none()).encode(0, example, new DropLog())
                .orElseThrow();
        float[] r = scorer.score(pair).rejected();
        int[] ids = pair.rejectedIds();
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < ids.length; j++) {
            String text = tokenizer.decode(new int[] {ids[j]});
            b.append(r[j] > 0 ? "[" + text + "]" : text);
        }
        return "  prompt:    " + example.prompt().replace("\n", "\\n") + "\n  reference: "
                + example.reference().orElseThrow().replace("\n", "\\n") + "\n  rejected:  "
                + b.toString().replace("\n", "\\n");
    }
}
