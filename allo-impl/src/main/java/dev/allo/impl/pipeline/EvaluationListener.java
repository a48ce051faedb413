package dev.allo.impl.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.PreferenceEvaluator;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.model.CausalLm;
import dev.allo.objective.PreferenceObjective;
import dev.allo.pipeline.ModelEvaluator;
import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the policy at a stage's start, every {@code everySteps} steps and at its end: the objective's metrics on
 * held-out pairs (reported as {@code eval/<metric>}, e.g. {@code eval/rewards/accuracies}) and every
 * {@link ModelEvaluator}. Each evaluation is one line of {@code eval.jsonl} ({@code stage}, {@code step}, metrics)
 * and is kept for {@link #history()}.
 */
final class EvaluationListener implements TrainingListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluationListener.class);
    private static final ObjectMapper JSON = new ObjectMapper();

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
    private final BufferedWriter writer;
    private final Map<Long, Map<String, Double>> history = new LinkedHashMap<>();

    EvaluationListener(CausalLm policy, PreferenceObjective objective, List<TokenizedPair> heldOut,
            ReferenceLogProbs reference, List<ModelEvaluator> evaluators, long everySteps, int batchSize,
            TokenLogProbs logProbs, int padId, Path file, boolean append) {
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
        try {
            this.writer = append
                    ? Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND)
                    : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AlloException("Cannot open evaluation log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every evaluation so far, by the number of steps taken when it ran.
     *
     * @return step to metrics
     */
    Map<Long, Map<String, Double>> history() {
        return history;
    }

    @Override
    public void onStageStart(StageStart start) {
        evaluate(start.stage(), start.startStep());
    }

    @Override
    public void onStep(StepMetrics metrics) {
        if (everySteps > 0 && metrics.step() % everySteps == 0) {
            evaluate(metrics.stage(), metrics.step());
        }
    }

    @Override
    public void onStageEnd(StageResult result) {
        long last = result.history().isEmpty() ? -1 : result.history().get(result.history().size() - 1).step();
        if (!history.containsKey(last)) {
            evaluate(result.stage(), Math.max(last, 0));
        }
    }

    private void evaluate(String stage, long step) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!heldOut.isEmpty()) {
            PreferenceEvaluator.evaluate(policy, objective, heldOut, reference, batchSize, logProbs, padId)
                    .forEach((k, v) -> metrics.put("eval/" + k, v));
        }
        for (ModelEvaluator e : evaluators) {
            metrics.putAll(e.evaluate(policy));
        }
        history.put(step, metrics);
        LOG.info("Stage '{}' step {}: {}", stage, step, metrics);
        ObjectNode line = JSON.createObjectNode();
        line.put("stage", stage);
        line.put("step", step);
        metrics.forEach((k, v) -> {
            if (Double.isFinite(v)) {
                line.put(k, v);
            } else {
                line.put(k, Double.toString(v));
            }
        });
        try {
            writer.write(JSON.writeValueAsString(line));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new AlloException("Cannot write evaluation log " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new AlloException("Cannot close evaluation log " + file + ": " + e.getMessage(), e);
        }
    }
}
