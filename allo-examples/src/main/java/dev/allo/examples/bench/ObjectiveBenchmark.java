package dev.allo.examples.bench;

import static dev.allo.examples.bench.BenchStats.mean;
import static dev.allo.examples.bench.BenchStats.median;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times the objective computation given per-token log-probs (forward and backward through the objective only, with
 * validation and metrics read back) for a batch of 8 pairs x 512 tokens: token-weighted DPO with the noisy-token
 * filter (ALLO Eq. 8-9), token-level NPO (Eq. 7) and sequence DPO (Eq. 2).
 *
 * <p>Usage: {@code ObjectiveBenchmark [iterations] [warmup] [batch] [tokens]}, defaults 200, 30, 8, 512. Prints
 * the median and mean time per step in milliseconds. Run it beside the model benchmark on the same machine to get
 * the ratio (see {@code docs/performance-objectives.md}).
 */
public final class ObjectiveBenchmark {

    /** How the forward+backward figures of {@link #run} begin (milliseconds). */
    public static final String STEP_FIGURE = "objective forward+backward (median),";
    private static final String NAME = "objective";

    private ObjectiveBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args optional: iterations, warmup, batch size, tokens per sequence
     */
    public static void main(String[] args) {
        run(BenchArgs.intAt(args, 0, "iterations", 200), BenchArgs.intAt(args, 1, "warmup", 30),
                BenchArgs.intAt(args, 2, "batch", 8), BenchArgs.intAt(args, 3, "tokens", 512));
    }

    /**
     * Times each objective, prints the report, and returns the median forward+backward milliseconds of each
     * (figure names start with {@link #STEP_FIGURE}; no target of their own: the target, under 2%, is their ratio
     * to the model step, which needs {@link ModelBenchmark}'s figure).
     *
     * @param iterations timed iterations per objective and mode
     * @param warmup untimed iterations before them
     * @param batch pairs per batch
     * @param tokens tokens per sequence (the first 64 are the prompt)
     * @return the key figures
     */
    public static List<BenchmarkFigure> run(int iterations, int warmup, int batch, int tokens) {
        Device device = Engine.getInstance().defaultDevice();
        System.out.printf(Locale.ROOT, "objective benchmark: B=%d T=%d device=%s engine=%s %s, %d iterations"
                + " after %d warm-up%n", batch, tokens, device, Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion(), iterations, warmup);
        List<ObjectiveConfig> configs = List.of(ObjectiveConfig.TokenDpo.defaults(),
                ObjectiveConfig.TokenNpo.defaults(), ObjectiveConfig.Dpo.defaults());
        List<BenchmarkFigure> figures = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            PreferenceBatchLogProbs inputs = inputs(manager, batch, tokens);
            for (ObjectiveConfig config : configs) {
                PreferenceObjective objective = PreferenceObjective.of(config);
                PreferenceBatchLogProbs data = config instanceof ObjectiveConfig.TokenNpo
                        ? PreferenceBatchLogProbs.rejectedOnly(inputs.rejected())
                        : inputs;
                double[] forward = time(objective, data, iterations, warmup, false);
                double[] both = time(objective, data, iterations, warmup, true);
                System.out.printf(Locale.ROOT, "%-10s forward: median %.3f ms, mean %.3f ms | forward+backward:"
                        + " median %.3f ms, mean %.3f ms%n", config.name(), median(forward), mean(forward),
                        median(both), mean(both));
                figures.add(BenchmarkFigure.informational(NAME, STEP_FIGURE + " " + config.name() + ", batch "
                        + batch + " x " + tokens, median(both), "ms"));
            }
        }
        return figures;
    }

    /** Random log-probs in [-8, 0), a 64-token prompt, right padding of up to 64 tokens, binary r weights. */
    private static PreferenceBatchLogProbs inputs(NDManager manager, int batch, int tokens) {
        Shape shape = new Shape(batch, tokens);
        NDArray positions = manager.arange(tokens).toType(DataType.FLOAT32, false).reshape(1, tokens);
        NDArray ends = manager.randomInteger(tokens - 64, tokens + 1, new Shape(batch, 1), DataType.INT32)
                .toType(DataType.FLOAT32, false);
        NDArray mask = positions.gte(Math.min(64, tokens - 1)).logicalAnd(positions.lt(ends))
                .toType(DataType.FLOAT32, false);
        return PreferenceBatchLogProbs.of(side(manager, shape, mask, false), side(manager, shape, mask, true));
    }

    private static ResponseLogProbs side(NDManager manager, Shape shape, NDArray mask, boolean weighted) {
        NDArray policy = manager.randomUniform(-8f, 0f, shape);
        policy.setRequiresGradient(true);
        NDArray reference = manager.randomUniform(-8f, 0f, shape);
        NDArray weights = weighted ? manager.randomUniform(0f, 1f, shape).gt(0.3f).toType(DataType.FLOAT32, false)
                : null;
        return new ResponseLogProbs(policy, reference, mask, weights, manager.randomNormal(shape));
    }

    private static double[] time(PreferenceObjective objective, PreferenceBatchLogProbs data, int iterations,
            int warmup, boolean backward) {
        double[] millis = new double[iterations];
        for (int i = -warmup; i < iterations; i++) {
            long start = System.nanoTime();
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                if (backward) {
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        ObjectiveOutput out = objective.compute(data);
                        collector.backward(out.loss());
                    }
                    // Reading one gradient element waits for the backward pass to finish on any device.
                    gradientOf(data).get(0, 0).getFloat();
                } else {
                    objective.compute(data);
                }
            }
            if (i >= 0) {
                millis[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        return millis;
    }

    private static NDArray gradientOf(PreferenceBatchLogProbs data) {
        return data.rejected().policy().getGradient();
    }
}
