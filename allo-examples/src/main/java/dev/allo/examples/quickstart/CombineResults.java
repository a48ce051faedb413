package dev.allo.examples.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Combines quick-start runs of different seeds (each a {@code results.json} with per-problem {@code outcomes}) into
 * one summary with intervals over problems and every seed, so that seeds can run in separate processes or at
 * separate times:
 *
 * <pre>
 * java ... dev.allo.examples.quickstart.CombineResults [--common-methods] OUT_DIR run-7/results.json ...
 * </pre>
 *
 * <p>Writes {@code OUT_DIR/results.md}, {@code OUT_DIR/results.json} and its charts ({@link ResultCharts}) and
 * prints the tables. Every input must have the same task, and the same methods in the same order; with
 * {@code --common-methods}, only the methods that every input has are combined (in the first file's order) and the
 * others are named as left out, so that runs of different method sets can be compared on what they share.
 */
public final class CombineResults {
    private CombineResults() {}

    /** The option that combines only the methods every input has. */
    public static final String COMMON_METHODS = "--common-methods";

    /**
     * Runs the combination.
     *
     * @param args optionally {@value #COMMON_METHODS}, then the output directory, then one or more
     *     {@code results.json} files
     */
    public static void main(String[] args) {
        boolean commonOnly = args.length > 0 && args[0].equals(COMMON_METHODS);
        int first = commonOnly ? 1 : 0;
        if (args.length - first < 2) {
            throw new IllegalArgumentException("usage: CombineResults [" + COMMON_METHODS + "] OUT_DIR results.json"
                    + " [results.json ...], got " + args.length + " argument(s)");
        }
        List<Path> inputs = new ArrayList<>();
        for (int i = first + 1; i < args.length; i++) {
            inputs.add(Path.of(args[i]));
        }
        combine(Path.of(args[first]), inputs, System.out, commonOnly);
    }

    /**
     * Combines runs that all have the same methods in the same order.
     *
     * @param out the output directory
     * @param inputs the runs' {@code results.json} files
     * @param log where the tables are printed
     * @return the combined result
     * @throws IllegalArgumentException naming the file when inputs disagree or lack outcomes
     * @throws AlloException if a file cannot be read
     */
    public static QuickStartResult combine(Path out, List<Path> inputs, PrintStream log) {
        return combine(out, inputs, log, false);
    }

    /**
     * Combines runs.
     *
     * @param out the output directory
     * @param inputs the runs' {@code results.json} files
     * @param log where the tables are printed
     * @param commonOnly whether to combine only the methods every input has (else differing methods are refused)
     * @return the combined result
     * @throws IllegalArgumentException naming the file when inputs disagree or lack outcomes, or when no method
     *     besides SFT is common to all of them
     * @throws AlloException if a file cannot be read
     */
    public static QuickStartResult combine(Path out, List<Path> inputs, PrintStream log, boolean commonOnly) {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> roots = new ArrayList<>();
        for (Path input : inputs) {
            try {
                roots.add(json.readTree(input.toFile()));
            } catch (IOException e) {
                throw new AlloException("Cannot read " + input + ": " + e.getMessage(), e);
            }
        }
        List<String> kept = commonOnly ? commonMethods(inputs, roots, log) : null;
        Map<String, List<Evaluation>> evaluations = new LinkedHashMap<>();
        Map<String, List<Double>> preference = new LinkedHashMap<>();
        List<Evaluation> ceiling = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        String task = null;
        int trainPairs = 0;
        for (int i = 0; i < inputs.size(); i++) {
            Path input = inputs.get(i);
            JsonNode root = roots.get(i);
            String t = root.path("task").asText();
            if (task != null && !task.equals(t)) {
                throw new IllegalArgumentException(input + ": task '" + t + "' differs from the first file's '" + task
                        + "'");
            }
            task = t;
            trainPairs = task == null ? 0 : trainPairs == 0 ? root.path("train_pairs").asInt() : trainPairs;
            Map<String, Double> pref = new LinkedHashMap<>();
            for (JsonNode m : root.path("methods")) {
                pref.put(m.path("name").asText(), m.path("preference_accuracy").isNumber()
                        ? m.path("preference_accuracy").asDouble() : Double.NaN);
            }
            JsonNode outcomes = root.get("outcomes");
            if (outcomes == null || !outcomes.isArray() || outcomes.isEmpty()) {
                throw new IllegalArgumentException(input + ": no 'outcomes' array (written by this version's quick"
                        + " start)");
            }
            for (int s = 0; s < outcomes.size(); s++) {
                JsonNode seed = outcomes.get(s);
                seeds.add(seed.path("seed").asLong());
                List<String> names = methodNames(seed);
                if (kept != null) {
                    names.retainAll(kept);
                }
                if (!evaluations.isEmpty() && !names.equals(List.copyOf(evaluations.keySet()))) {
                    throw new IllegalArgumentException(input + ": methods " + names + " differ from the first file's "
                            + evaluations.keySet());
                }
                for (String name : names) {
                    evaluations.computeIfAbsent(name, k -> new ArrayList<>()).add(Evaluation.fromJson(
                            seed.path("methods").get(name), input + ": outcomes[" + s + "].methods." + name));
                    // Per-seed preference accuracy is not stored; a file's mean stands for each of its seeds.
                    preference.computeIfAbsent(name, k -> new ArrayList<>()).add(pref.getOrDefault(name, Double.NaN));
                }
                if (seed.has("ceiling")) {
                    ceiling.add(Evaluation.fromJson(seed.get("ceiling"), input + ": outcomes[" + s + "].ceiling"));
                }
            }
        }
        if (!ceiling.isEmpty() && ceiling.size() != seeds.size()) {
            throw new IllegalArgumentException("only " + ceiling.size() + " of " + seeds.size() + " seeds measured the"
                    + " capacity ceiling; combine runs that all did or all did not");
        }
        QuickStartResult result = ResultSummary.summarise(evaluations, preference, ceiling, seeds, seeds.get(0),
                trainPairs, 0, 0, OnPolicyPairs.Source.ON_POLICY, Map.of(), out);
        String md = "# Combined quick start results\n\n- task: " + task + "\n- seeds: " + seeds + "\n- inputs: "
                + inputs + "\n- figures: percent, mean over seeds and test problems [95% bootstrap interval over"
                + " problems and seeds]; comparisons are paired, p from a sign-flip permutation test\n\n"
                + result.table();
        dev.allo.examples.ila.TextFiles.write(out.resolve("results.md"), md);
        ResultsFile.writeJson(result, task == null ? "" : task.toLowerCase(Locale.ROOT), evaluations, ceiling,
                out.resolve("results.json"));
        log.print(result.table());
        try {
            ResultCharts.writeBeside(out.resolve("results.json"), null, List.of(), log);
        } catch (RuntimeException e) {
            log.println("Charts not written: " + e.getMessage());
        }
        return result;
    }

    private static List<String> methodNames(JsonNode seed) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = seed.path("methods").fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        return names;
    }

    /** The methods of the first input's first seed that every seed of every input has, in that order. */
    private static List<String> commonMethods(List<Path> inputs, List<JsonNode> roots, PrintStream log) {
        List<String> common = null;
        Set<String> all = new LinkedHashSet<>();
        for (JsonNode root : roots) {
            for (JsonNode seed : root.path("outcomes")) {
                List<String> names = methodNames(seed);
                all.addAll(names);
                if (common == null) {
                    common = names;
                } else {
                    common.retainAll(names);
                }
            }
        }
        if (common == null || !common.contains("SFT") || common.size() < 2) {
            throw new IllegalArgumentException("the inputs " + inputs + " have no method besides SFT in common"
                    + " (methods common to all: " + (common == null ? "[]" : common) + ")");
        }
        all.removeAll(common);
        if (!all.isEmpty()) {
            log.println("Combining the methods every input has, " + common + "; left out: " + all);
        }
        return common;
    }
}
