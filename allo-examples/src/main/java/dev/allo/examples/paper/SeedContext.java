package dev.allo.examples.paper;

import dev.allo.examples.quickstart.PreparedTask;
import dev.allo.examples.quickstart.StageRunner;
import dev.allo.importance.ImportanceEstimator;
import dev.allo.importance.ImportanceScores;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.TrainingConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What every variant of one seed shares: the prepared task (SFT model, pairs, rewriter), the stage runner, the
 * options, and the importance scores of the locate stage, computed once per seed and method (all ALLO variants of a
 * seed select their masks from the same weight-delta scores, as one ALLO run would) and saved under the seed's
 * directory.
 */
final class SeedContext {
    private final PreparedTask task;
    private final StageRunner runner;
    private final PaperOptions options;
    private final Path dir;
    private final Map<LocateConfig.Method, Path> scores = new HashMap<>();

    SeedContext(PreparedTask task, StageRunner runner, PaperOptions options, Path dir) {
        this.task = task;
        this.runner = runner;
        this.options = options;
        this.dir = dir;
    }

    PreparedTask task() {
        return task;
    }

    PaperOptions options() {
        return options;
    }

    /** A preference stage's training: {@code dpo-epochs} epochs at a learning rate. */
    TrainingConfig stageTraining(double learningRate) {
        return runner.training(learningRate, options.base().dpoEpochs(), task.trainPairs().size());
    }

    /** The forgetting stage's training: one epoch at a learning rate (as in the quick start). */
    TrainingConfig forgetTraining(double learningRate) {
        return runner.training(learningRate, 1, task.trainPairs().size());
    }

    /**
     * An estimator that returns this seed's scores of a method, computing them on first use with a locate-only
     * pipeline run on the SFT model (weight delta: one epoch of full-parameter DPO at {@code warmup-lr}, Eq. 4;
     * accumulated gradient: {@code |sum_d grad L_DPO(d)|} at the SFT weights).
     */
    ImportanceEstimator scores(LocateConfig.Method method) {
        Path file = scores.computeIfAbsent(method, this::locate);
        return (model, context) -> ImportanceScores.load(file, model.device());
    }

    /** The locate config whose scores {@link #scores} returns (recorded in each run's configuration). */
    LocateConfig locateConfig(LocateConfig.Method method) {
        TrainingConfig warmUp = runner.training(options.base().warmUpLearningRate(), 1, task.trainPairs().size());
        LocateConfig base = method == LocateConfig.Method.WEIGHT_DELTA ? LocateConfig.weightDelta()
                : LocateConfig.accumulatedGradient();
        return base.withWarmUp(warmUp);
    }

    private Path locate(LocateConfig.Method method) {
        Path out = dir.resolve("locate-" + method.name().toLowerCase(java.util.Locale.ROOT));
        // A locate-only run leaves the model unchanged (ImportanceEstimator's contract).
        runner.train(task.sft(), task.trainPairs(), out, b -> b.locateNeurons(locateConfig(method)));
        return out.resolve("importance.scores");
    }
}
