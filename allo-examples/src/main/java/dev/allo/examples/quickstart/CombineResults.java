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
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Combines quick-start runs of different seeds (each a {@code results.json} with per-problem {@code outcomes}) into
 * one summary with intervals over problems and every seed, so that seeds can run in separate processes or at
 * separate times:
 *
 * <pre>
 * java ... dev.allo.examples.quickstart.CombineResults OUT_DIR run-7/results.json run-8/results.json ...
 * </pre>
 *
 * <p>Writes {@code OUT_DIR/results.md}, {@code OUT_DIR/results.json} and its charts ({@link ResultCharts}) and
 * prints the tables. Every input must
 * have the same methods in the same order and the same task.
 */
public final class CombineResults {
    private CombineResults() {}

    /**
     * Runs the combination.
     *
     * @param args the output directory, then one or more {@code results.json} files
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: CombineResults OUT_DIR results.json [results.json ...], got "
                    + args.length + " argument(s)");
        }
        List<Path> inputs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            inputs.add(Path.of(args[i]));
        }
        combine(Path.of(args[0]), inputs, System.out);
    }

    /**
     * Combines runs.
     *
     * @param out the output directory
     * @param inputs the runs' {@code results.json} files
     * @param log where the tables are printed
     * @return the combined result
     * @throws IllegalArgumentException naming the file when inputs disagree or lack outcomes
     * @throws AlloException if a file cannot be read
     */
    public static QuickStartResult combine(Path out, List<Path> inputs, PrintStream log) {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<Evaluation>> evaluations = new LinkedHashMap<>();
        Map<String, List<Double>> preference = new LinkedHashMap<>();
        List<Evaluation> ceiling = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        String task = null;
        int trainPairs = 0;
        for (Path input : inputs) {
            JsonNode root;
            try {
                root = json.readTree(input.toFile());
            } catch (IOException e) {
                throw new AlloException("Cannot read " + input + ": " + e.getMessage(), e);
            }
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
                List<String> names = new ArrayList<>();
                for (Iterator<String> it = seed.path("methods").fieldNames(); it.hasNext();) {
                    names.add(it.next());
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
}
