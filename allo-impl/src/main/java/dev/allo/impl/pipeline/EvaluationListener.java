package dev.allo.impl.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.JsonLinesLog;
import dev.allo.impl.train.PreferenceEvaluator;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.model.CausalLm;
import dev.allo.objective.PreferenceObjective;
import dev.allo.pipeline.ModelEvaluator;
import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the policy at a stage's start (step 0), every {@code everySteps} steps and after its last step: the
 * objective's metrics on held-out pairs (reported as {@code eval/<metric>}, e.g. {@code eval/rewards/accuracies}) and
 * every {@link ModelEvaluator}. Each evaluation is one line of {@code eval.jsonl} ({@code stage}, {@code step} (the
 * number of steps taken when it ran), metrics).
 *
 * <p>Kills and resumes leave the file as an uninterrupted run writes it: when a stage starts at step {@code k} (0,
 * or the step of the checkpoint it resumes from), the file keeps its complete lines of steps up to {@code k}
 * ({@link JsonLinesLog}), and step {@code k} is evaluated only if it is one of the steps above and has no line yet.
 * So a stage resumed from its last step's checkpoint writes nothing new when its final evaluation is already there.
 */
final class EvaluationListener implements TrainingListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluationListener.class);

    private final CausalLm policy;
    private final PreferenceObjective objective;
    private final List<TokenizedPair> heldOut;
    private final ReferenceLogProbs reference;
    private final List<ModelEvaluator> evaluators;
    private final long everySteps;
    private final int batchSize;
    private final TokenLogProbs logProbs;
    private final int padId;
    private final Path file;
    private final Set<Long> evaluated = new HashSet<>();
    private JsonLinesLog log;
    private long totalSteps;

    EvaluationListener(CausalLm policy, PreferenceObjective objective, List<TokenizedPair> heldOut,
            ReferenceLogProbs reference, List<ModelEvaluator> evaluators, long everySteps, int batchSize,
            TokenLogProbs logProbs, int padId, Path file) {
        this.policy = policy;
        this.objective = objective;
        this.heldOut = List.copyOf(heldOut);
        this.reference = reference;
        this.evaluators = List.copyOf(evaluators);
        this.everySteps = everySteps;
        this.batchSize = batchSize;
        this.logProbs = logProbs;
        this.padId = padId;
        this.file = file;
    }

    @Override
    public void onStageStart(StageStart start) {
        if (log != null) {
            throw new IllegalStateException("evaluation log " + file + " is already open; one stage per listener");
        }
        totalSteps = start.totalSteps();
        log = JsonLinesLog.open(file, start.startStep() == 0 ? -1 : start.startStep());
        evaluated.addAll(log.keptSteps());
        if (isScheduled(start.startStep()) && !evaluated.contains(start.startStep())) {
            evaluate(start.stage(), start.startStep());
        }
    }

    @Override
    public void onStep(StepMetrics metrics) {
        if (isScheduled(metrics.step()) && !evaluated.contains(metrics.step())) {
            evaluate(metrics.stage(), metrics.step());
        }
    }

    @Override
    public void onStageEnd(StageResult result) {
        if (!evaluated.contains(result.steps())) {
            evaluate(result.stage(), result.steps());
        }
    }

    private boolean isScheduled(long step) {
        return step == 0 || step == totalSteps || (everySteps > 0 && step % everySteps == 0);
    }

    private void evaluate(String stage, long step) {
        if (log == null) {
            throw new IllegalStateException("evaluation log " + file + " is not open: onStageStart comes first");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!heldOut.isEmpty()) {
            PreferenceEvaluator.evaluate(policy, objective, heldOut, reference, batchSize, logProbs, padId)
                    .forEach((k, v) -> metrics.put("eval/" + k, v));
        }
        for (ModelEvaluator e : evaluators) {
            metrics.putAll(e.evaluate(policy));
        }
        evaluated.add(step);
        LOG.info("Stage '{}' step {}: {}", stage, step, metrics);
        ObjectNode line = JsonLinesLog.line();
        line.put("stage", stage);
        line.put("step", step);
        log.append(JsonLinesLog.putMetrics(line, metrics));
    }

    @Override
    public void close() {
        if (log != null) {
            log.close();
        }
    }
}
