package dev.allo.examples.quickstart;

import dev.allo.data.PreferenceExample;
import dev.allo.examples.task.Problem;
import dev.allo.impl.model.DecoderModel;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.StageConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Trains one preference method from the SFT model, in one or more on-policy rounds: round 1 uses the prepared
 * pairs (sampled from the SFT model); each later round samples the current model on the same problems, pairs its
 * right and wrong samples ({@link OnPolicyPairs}) and trains again, with the current model as the reference.
 *
 * <p>Methods: {@code dpo} (Rafailov et al., arXiv 2305.18290), {@code rpo} (DPO plus the NLL of the chosen
 * response with weight 1, Pang et al., arXiv 2404.19733, Eq. 3: {@code ObjectiveConfig.WithSft}), {@code ipo},
 * {@code simpo}, {@code npo} (one full-parameter stage each at the DPO learning rate) and {@code allo} (locate,
 * forget, learn as in {@link QuickStartRun}).
 */
final class MethodTrainer {
    /** RPO's weight of the NLL term (arXiv 2404.19733 uses 1). */
    static final double RPO_ALPHA = 1.0;

    private final QuickStartOptions options;
    private final StageRunner runner;
    private final PrintStream log;

    MethodTrainer(QuickStartOptions options, StageRunner runner, PrintStream log) {
        this.options = options;
        this.runner = runner;
        this.log = log;
    }

    /** The name printed for a method. */
    static String label(String method) {
        return switch (method) {
            case "dpo" -> "DPO";
            case "rpo" -> "RPO (DPO+NLL)";
            case "ipo" -> "IPO";
            case "simpo" -> "SimPO";
            case "npo" -> "NPO";
            case "allo" -> "ALLO";
            default -> throw new IllegalArgumentException("unknown method '" + method + "'");
        };
    }

    /**
     * Trains a model in place.
     *
     * @param method the method
     * @param model a copy of the SFT model
     * @param task the prepared task (pairs, rewriter, problems)
     * @param dir the method's output directory
     */
    void train(String method, DecoderModel model, PreparedTask task, Path dir) {
        List<PreferenceExample> pairs = task.trainPairs();
        List<Problem> problems = task.splits().train().subList(0, options.preferenceProblems());
        int minPairs = Math.max(2 * options.batchSize(), options.preferenceProblems() / 2);
        for (int round = 1; round <= options.rounds(); round++) {
            if (round > 1) {
                OnPolicyPairs sampled = PreparedTask.samplePairs(model, problems, options, minPairs,
                        options.seed() + 1000L * round, task.maxNewTokens());
                pairs = PreparedTask.examples(sampled);
                log.printf(Locale.ROOT, "      round %d: %s -> %d pairs (%s)%n", round, sampled.data().summary(),
                        pairs.size(), sampled.source());
            }
            Path roundDir = options.rounds() == 1 ? dir : dir.resolve("round-" + round);
            trainOnce(method, model, pairs, task, roundDir);
        }
    }

    private void trainOnce(String method, DecoderModel model, List<PreferenceExample> pairs, PreparedTask task,
            Path dir) {
        double lr = options.dpoLearningRate();
        int n = pairs.size();
        switch (method) {
            case "dpo" -> single(method, model, pairs, dir, ObjectiveConfig.Dpo.defaults(), lr);
            case "rpo" -> single(method, model, pairs, dir, new ObjectiveConfig.WithSft(
                    ObjectiveConfig.Dpo.defaults(), RPO_ALPHA), lr);
            case "ipo" -> single(method, model, pairs, dir, ObjectiveConfig.Ipo.defaults(), lr);
            case "simpo" -> single(method, model, pairs, dir, ObjectiveConfig.SimPo.defaults(), lr);
            case "npo" -> single(method, model, pairs, dir, ObjectiveConfig.Npo.defaults(), lr);
            case "allo" -> runner.train(model, pairs, dir, b -> b
                    .locateNeurons(LocateConfig.weightDelta().withWarmUp(
                            runner.training(options.warmUpLearningRate(), 1, n)))
                    .forget(ForgetConfig.defaults().withTraining(runner.training(options.forgetLearningRate(), 1, n)))
                    .rewriter(task.rewriter()).rewriteTemplate(PreparedTask.REWRITE_TEMPLATE) // Eq. (5)
                    .learn(LearnConfig.defaults().withTraining(runner.training(options.alloLearningRate(),
                            options.dpoEpochs(), n))));
            default -> throw new IllegalArgumentException("unknown method '" + method + "'");
        }
    }

    /** One full-parameter stage named after the method. */
    private void single(String method, DecoderModel model, List<PreferenceExample> pairs, Path dir,
            ObjectiveConfig objective, double lr) {
        runner.train(model, pairs, dir, b -> b.stage(StageConfig.of(method, objective,
                runner.training(lr, options.dpoEpochs(), pairs.size()))));
    }
}
