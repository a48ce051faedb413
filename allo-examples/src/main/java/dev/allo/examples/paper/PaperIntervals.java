package dev.allo.examples.paper;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.Allo;
import dev.allo.AlloException;
import dev.allo.examples.ila.TextFiles;
import dev.allo.examples.quickstart.EngineThreads;
import dev.allo.examples.quickstart.Evaluation;
import dev.allo.examples.quickstart.PreparedTask;
import dev.allo.examples.quickstart.QuickStartOptions;
import dev.allo.examples.stats.Bootstrap;
import dev.allo.examples.stats.Comparison;
import dev.allo.examples.stats.Interval;
import dev.allo.examples.task.NumberWords;
import dev.allo.examples.task.ProblemGenerator;
import dev.allo.examples.task.TaskSplits;
import dev.allo.impl.model.DecoderModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Problem-by-problem intervals for a finished {@link PaperExperiments} run: reloads every variant's saved model of
 * every seed ({@code seed-N/<variant>/model}; the SFT model from {@code seed-N/sft/model}), greedy-decodes the seed's
 * test problems and held-out second-skill numbers again ({@link Evaluation}), checks that the test accuracy equals
 * the one the run recorded in {@code results.json}, and reports per variant the mean and 95% two-stage bootstrap
 * interval (seeds, then problems; {@link Bootstrap}) of test accuracy, mistake rate and second-skill accuracy, and
 * the paired differences from SFT and from ALLO (where the run has it) with their intervals and sign-flip p-values.
 *
 * <p>Usage: {@code PaperIntervals DIR --task=... [the run's other quick-start options]}: the options must be the
 * run's, since they rebuild its test problems. Writes {@code DIR/intervals.md} and prints it.
 */
public final class PaperIntervals {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SFT = "sft";
    private static final String ALLO = "allo";

    private PaperIntervals() {}

    /**
     * Runs from the command line.
     *
     * @param args the run's directory, then its quick-start options
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: PaperIntervals DIR [--task=... and the run's other options]");
        }
        EngineThreads.defaultToOne();
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        PaperOptions options = PaperOptions.parse(rest, new Properties());
        System.out.print(run(Path.of(args[0]), options, System.out));
    }

    /**
     * Re-scores the run and writes {@code intervals.md}.
     *
     * @param dir the run's output directory (with {@code results.json} and {@code seed-N/})
     * @param options the run's options
     * @param log where progress is printed
     * @return the Markdown table
     * @throws IllegalStateException when a re-scored test accuracy differs from the recorded one
     */
    public static String run(Path dir, PaperOptions options, PrintStream log) {
        Map<String, Map<Long, Double>> recorded = recorded(dir.resolve("results.json"));
        if (!recorded.containsKey(SFT)) {
            throw new IllegalArgumentException(dir.resolve("results.json") + ": needs the variant 'sft', got "
                    + recorded.keySet());
        }
        List<Long> seeds = new ArrayList<>(recorded.get(SFT).keySet());
        Map<String, List<Evaluation>> evaluations = new LinkedHashMap<>();
        for (long seed : seeds) {
            QuickStartOptions seedOptions = options.base().withSeed(seed);
            TaskSplits splits = ProblemGenerator.splits(PreparedTask.problemConfig(seedOptions), seed,
                    seedOptions.problems(), seedOptions.validation(), seedOptions.test());
            List<Integer> skillTest = seedOptions.task() == QuickStartOptions.TaskKind.CLASSIC ? List.of()
                    : NumberWords.split(seed, seedOptions.skillTest()).get(1);
            int maxNewTokens = PreparedTask.maxNewTokens(splits);
            for (Map.Entry<String, Map<Long, Double>> v : recorded.entrySet()) {
                Double expected = v.getValue().get(seed);
                if (expected == null) {
                    continue; // a variant the run did not finish on this seed
                }
                Path model = dir.resolve("seed-" + seed).resolve(v.getKey()).resolve("model");
                Evaluation e;
                try (DecoderModel m = (DecoderModel) Allo.loadModel(model, Engine.getInstance().defaultDevice())) {
                    e = Evaluation.of(m, splits.test(), skillTest, maxNewTokens);
                }
                if (Math.abs(e.accuracy() - expected) > 1e-9) {
                    throw new IllegalStateException(String.format(Locale.ROOT, "%s: re-scored test accuracy %.4f"
                            + " differs from the recorded %.4f; are the options the run's?", model, e.accuracy(),
                            expected));
                }
                evaluations.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(e);
                log.printf(Locale.ROOT, "  seed %d %s: test %.1f%%, mistakes %.1f%%%n", seed, v.getKey(),
                        100 * e.accuracy(), 100 * e.mistakeRate());
            }
        }
        String markdown = markdown(evaluations, labels(options), seeds.size());
        TextFiles.write(dir.resolve("intervals.md"), markdown);
        return markdown;
    }

    /** The table: one row per variant that ran on every seed. */
    static String markdown(Map<String, List<Evaluation>> evaluations, Map<String, String> labels, int seeds) {
        Bootstrap bootstrap = new Bootstrap(Bootstrap.DEFAULT_RESAMPLES, 1);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Over %d seed(s) and their test problems:"
                + " mean [95%% two-stage bootstrap interval]; differences paired on the same seed and problem, p from"
                + " a two-sided sign-flip permutation test.%n%n", seeds));
        b.append("| variant | test accuracy | mistake rate | second skill | - SFT (points) | p | - ALLO (points) | p |\n");
        b.append("|---|---|---|---|---|---|---|---|\n");
        double[][] sft = matrix(evaluations.get(SFT), Evaluation::correct);
        double[][] allo = evaluations.containsKey(ALLO) ? matrix(evaluations.get(ALLO), Evaluation::correct) : null;
        for (Map.Entry<String, List<Evaluation>> v : evaluations.entrySet()) {
            if (v.getValue().size() != seeds) {
                continue;
            }
            double[][] correct = matrix(v.getValue(), Evaluation::correct);
            double[][] skill = matrix(v.getValue(), Evaluation::skillCorrect);
            b.append("| ").append(labels.getOrDefault(v.getKey(), v.getKey())).append(" | ")
                    .append(bootstrap.mean(correct).percent()).append(" | ")
                    .append(bootstrap.mean(matrix(v.getValue(), Evaluation::mistaken)).percent()).append(" | ")
                    .append(skill[0].length == 0 ? "-" : bootstrap.mean(skill).percent()).append(" | ")
                    .append(difference(bootstrap, v.getKey(), SFT, correct, sft)).append(" | ")
                    .append(difference(bootstrap, v.getKey(), ALLO, correct, allo)).append(" |\n");
        }
        return b.toString();
    }

    private static String difference(Bootstrap bootstrap, String variant, String other, double[][] a, double[][] b) {
        if (variant.equals(other) || b == null) {
            return "- | -";
        }
        Comparison c = bootstrap.compare(a, b);
        Interval d = c.difference();
        String p = c.pValue() < 0.001 ? "< 0.001" : String.format(Locale.ROOT, "%.3f", c.pValue());
        return String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f] | %s", 100 * d.mean(), 100 * d.low(), 100 * d.high(),
                p);
    }

    private static double[][] matrix(List<Evaluation> evaluations, Function<Evaluation, double[]> field) {
        return evaluations.stream().map(field).toArray(double[][]::new);
    }

    /** Every variant's table label, from the experiments' definitions. */
    private static Map<String, String> labels(PaperOptions options) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Experiment e : Experiment.values()) {
            PaperVariants.of(e, options).forEach(v -> out.putIfAbsent(v.id(), v.label()));
        }
        return out;
    }

    /** Per variant (in the run's order), per seed, the recorded test accuracy. */
    private static Map<String, Map<Long, Double>> recorded(Path results) {
        JsonNode outcomes;
        try {
            outcomes = JSON.readTree(Files.readString(results)).path("outcomes");
        } catch (IOException e) {
            throw new AlloException("cannot read " + results + ": " + e.getMessage(), e);
        }
        if (!outcomes.isObject()) {
            throw new IllegalArgumentException(results + ": no 'outcomes' object");
        }
        Map<String, Map<Long, Double>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = outcomes.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            Map<Long, Double> bySeed = new LinkedHashMap<>();
            for (JsonNode o : e.getValue()) {
                bySeed.put(o.path("seed").asLong(), o.path("testAccuracy").asDouble());
            }
            out.put(e.getKey(), bySeed);
        }
        return out;
    }
}
