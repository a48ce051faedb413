package dev.allo.examples.quickstart;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.examples.ila.TextFiles;
import dev.allo.examples.stats.Comparison;
import dev.allo.examples.stats.Interval;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the quick start's {@code results.md} (the options, the data counts, the tables and the phase times) and
 * {@code results.json} (per method {@code name}, {@code test_accuracy}, {@code mistake_rate},
 * {@code second_skill_accuracy} as fractions in {@code [0, 1]}, each with a {@code _ci} pair, the per-class mistake
 * rates, and the paired comparisons with their p-values).
 */
public final class ResultsFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsFile() {}

    /**
     * Writes the Markdown file through a temporary sibling and an atomic rename.
     *
     * @param result the measurements
     * @param options the options of the run
     * @param target the file
     * @throws AlloException if the file cannot be written
     */
    public static void write(QuickStartResult result, QuickStartOptions options, Path target) {
        StringBuilder b = new StringBuilder("# Quick start results\n\n");
        for (Map.Entry<String, String> e : options.describe().entrySet()) {
            b.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        b.append(String.format(Locale.ROOT, "- data (first seed): %d training pairs (%s), %d validation pairs, %d"
                + " rewrites%n", result.trainPairs(), result.source(), result.validationPairs(), result.rewrites()));
        b.append("- figures: percent, mean over seeds and test problems [95% bootstrap interval over problems and"
                + " seeds]; comparisons are paired (same seed, same problem), p from a sign-flip permutation test\n\n");
        b.append(result.table()).append('\n');
        b.append("Wall time per phase (s):");
        result.seconds().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.1f;", k, v)));
        b.append('\n');
        TextFiles.write(target, b.toString().replace(System.lineSeparator(), "\n"));
    }

    /**
     * Writes the JSON file through a temporary sibling and an atomic rename.
     *
     * @param result the measurements
     * @param task the task's name
     * @param evaluations per method, per seed, the per-problem outcomes (written under {@code outcomes}, so that
     *     runs of other seeds can be combined with {@link CombineResults})
     * @param ceiling per seed, the clean-SFT model's outcomes (possibly empty)
     * @param target the file
     * @throws AlloException if the file cannot be written
     */
    public static void writeJson(QuickStartResult result, String task, Map<String, List<Evaluation>> evaluations,
            List<Evaluation> ceiling, Path target) {
        ObjectNode root = JSON.createObjectNode();
        root.put("task", task);
        ArrayNode seeds = root.putArray("seeds");
        result.seeds().forEach(seeds::add);
        root.put("train_pairs", result.trainPairs());
        ArrayNode methods = root.putArray("methods");
        for (QuickStartResult.Row r : result.rows()) {
            ObjectNode m = methods.addObject();
            m.put("name", r.method());
            put(m, "test_accuracy", r.testAccuracy());
            put(m, "mistake_rate", r.mistakeRate());
            put(m, "second_skill_accuracy", r.skillAccuracy());
            ObjectNode byClass = m.putObject("mistake_rate_by_class");
            r.mistakeRateByClass().forEach((k, v) -> put(byClass, k.toLowerCase(Locale.ROOT), v));
            number(m, "preference_accuracy", r.preferenceAccuracy());
        }
        if (result.ceiling() != null) {
            put(root, "capacity_ceiling_test_accuracy", result.ceiling());
        }
        ArrayNode contrasts = root.putArray("comparisons");
        for (QuickStartResult.Contrast c : result.contrasts()) {
            ObjectNode o = contrasts.addObject();
            o.put("a", c.a());
            o.put("b", c.b());
            comparison(o, "test_accuracy", c.testAccuracy());
            if (c.skillAccuracy() != null) {
                comparison(o, "second_skill_accuracy", c.skillAccuracy());
            }
        }
        ArrayNode outcomes = root.putArray("outcomes");
        for (int s = 0; s < result.seeds().size(); s++) {
            ObjectNode seed = outcomes.addObject();
            seed.put("seed", result.seeds().get(s));
            ObjectNode perMethod = seed.putObject("methods");
            for (Map.Entry<String, List<Evaluation>> e : evaluations.entrySet()) {
                perMethod.set(e.getKey(), e.getValue().get(s).toJson(JSON));
            }
            if (!ceiling.isEmpty()) {
                seed.set("ceiling", ceiling.get(s).toJson(JSON));
            }
        }
        try {
            TextFiles.write(target, JSON.writeValueAsString(root) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AlloException("Cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static void comparison(ObjectNode o, String name, Comparison c) {
        put(o, name + "_difference", c.difference());
        o.put(name + "_p", c.pValue());
    }

    /** {@code name}: the mean, {@code name_ci}: [low, high]; JSON null for NaN. */
    private static void put(ObjectNode o, String name, Interval v) {
        number(o, name, v.mean());
        ArrayNode ci = o.putArray(name + "_ci");
        if (Double.isNaN(v.mean())) {
            ci.addNull();
            ci.addNull();
        } else {
            ci.add(v.low());
            ci.add(v.high());
        }
    }

    private static void number(ObjectNode o, String name, double v) {
        if (Double.isNaN(v)) {
            o.putNull(name);
        } else {
            o.put(name, v);
        }
    }
}
