package dev.allo.examples.quickstart;

import dev.allo.data.PreferenceExample;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.examples.task.PromptStyle;
import dev.allo.impl.model.DecoderModel;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
 * loss charts, the trained model under {@code model/}) and {@code results.md}.
 */
public final class QuickStartRun {
    private final QuickStartOptions options;
    private final PrintStream log;
    private final StageRunner runner;

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
        this.runner = new StageRunner(PreparedTask.TOKENIZER, PreparedTask.TRUNCATION, options.seed(),
                options.batchSize(), progress, log);
    }

    /**
     * Runs every step.
     *
     * @return the measurements
     */
    public QuickStartResult run() {
        Path out = options.out().toAbsolutePath();
        PhaseClock clock = new PhaseClock(log);
        try (PreparedTask task = PreparedTask.prepare(options, out, runner, log, clock);
                DecoderModel dpo = task.sft().copy(); DecoderModel allo = task.sft().copy()) {
            List<PreferenceExample> pairs = task.trainPairs();
            log.println("[4/5] DPO: one full-parameter stage");
            TrainingConfig dpoTraining = runner.training(options.dpoLearningRate(), options.dpoEpochs(),
                    pairs.size());
            runner.train(dpo, pairs, out.resolve("dpo"),
                    b -> b.stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), dpoTraining)));
            clock.phase("dpo");

            log.println("[5/5] ALLO: locate key neurons, forget with the rewriter's token rewards, learn");
            runner.train(allo, pairs, out.resolve("allo"), b -> b
                    .locateNeurons(LocateConfig.weightDelta().withWarmUp(
                            runner.training(options.warmUpLearningRate(), 1, pairs.size())))
                    .forget(ForgetConfig.defaults().withTraining(
                            runner.training(options.forgetLearningRate(), 1, pairs.size())))
                    .rewriter(task.rewriter()).rewriteTemplate(PreparedTask.REWRITE_TEMPLATE) // Eq. (5)
                    .learn(LearnConfig.defaults().withTraining(runner.training(options.alloLearningRate(),
                            options.dpoEpochs(), pairs.size()))));
            clock.phase("allo");

            log.println("Evaluating on the test problems and the held-out pairs");
            ModelScorer scorer = new ModelScorer(task.sft(), task.validationPairs(), task.maxNewTokens(),
                    options.batchSize());
            List<Problem> test = task.splits().test();
            List<QuickStartResult.Row> rows = new ArrayList<>();
            rows.add(new QuickStartResult.Row("SFT", scorer.accuracy(task.sft(), test), Double.NaN,
                    out.resolve("sft/model")));
            rows.add(new QuickStartResult.Row("DPO", scorer.accuracy(dpo, test), scorer.preferenceAccuracy(dpo),
                    out.resolve("dpo/model")));
            rows.add(new QuickStartResult.Row("ALLO", scorer.accuracy(allo, test), scorer.preferenceAccuracy(allo),
                    out.resolve("allo/model")));
            clock.phase("evaluation");
            QuickStartResult result = new QuickStartResult(rows, pairs.size(), task.validationPairs().size(),
                    task.rewrites().size(), task.source(), clock.seconds(), out);
            ResultsFile.write(result, options, out.resolve("results.md"));
            return result;
        }
    }
}
