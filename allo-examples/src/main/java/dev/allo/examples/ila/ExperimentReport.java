package dev.allo.examples.ila;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.allo.AlloException;
import dev.allo.impl.ila.SignificanceReport;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of {@link LayerSignificanceExperiment}: the accuracy and trainable-parameter table (mean and spread
 * over seeds), the ILA warm-ups, one seed's significance table, the top-H overlaps, and the run's facts; written as
 * {@code results.md} and {@code results.json}.
 *
 * <p>Overlap of two rankings at {@code H}: {@code |T_H(a) ∩ T_H(b)| / H} ({@link SignificanceReport#overlap}); two
 * independent random rankings of {@code M} matrices overlap by {@code H / M} in expectation.
 *
 * @param options the options of the run
 * @param base the base model's summary
 * @param runs every fine-tuning run
 * @param significances every ILA run, in the order run
 * @param topH the {@code H} of the overlap ({@code ceil(topFraction * M)})
 * @param multiplyCount test problems with a multiplication
 * @param wallSeconds wall time of the whole run
 * @param start the machine at the start
 * @param end the machine at the end
 */
public record ExperimentReport(ExperimentOptions options, Base base, List<VariantRun> runs,
        List<SignificanceRun> significances, int topH, int multiplyCount, double wallSeconds, Environment start,
        Environment end) {

    /**
     * The base model before fine-tuning.
     *
     * @param parameters all parameters
     * @param pretrainAccuracy accuracy on held-out problems of the pre-training variant
     * @param task accuracy on the task's test set
     * @param seconds wall time of pre-training (0 when loaded)
     * @param source "pre-trained here" or the directory it was loaded from
     */
    public record Base(long parameters, double pretrainAccuracy, TaskAccuracy task, double seconds, String source) {}

    /**
     * The machine at one moment.
     *
     * @param time the time, to the second
     * @param loadAverage the one-minute load average (negative where unavailable)
     * @param processors the processors the JVM sees
     */
    public record Environment(Instant time, double loadAverage, int processors) {
        /**
         * Now.
         *
         * @return the current environment
         */
        public static Environment now() {
            return new Environment(Instant.now().truncatedTo(ChronoUnit.SECONDS),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors());
        }
    }

    /** Copies the lists. */
    public ExperimentReport {
        runs = List.copyOf(runs);
        significances = List.copyOf(significances);
    }

    /**
     * The spread over seeds of one variant's test accuracy.
     *
     * @param variant the variant
     * @return the spread
     * @throws IllegalArgumentException if the variant has no run
     */
    public Spread accuracy(String variant) {
        return Spread.of(of(variant).stream().mapToDouble(VariantRun::accuracy).toArray());
    }

    /**
     * The spread over seeds of one variant's trainable-parameter count.
     *
     * @param variant the variant
     * @return the spread
     * @throws IllegalArgumentException if the variant has no run
     */
    public Spread trainable(String variant) {
        return Spread.of(of(variant).stream().mapToDouble(VariantRun::trainable).toArray());
    }

    /**
     * The top-H overlap between the task's and the second variant's ranking, per seed.
     *
     * @param h the top-H size
     * @return one overlap per seed, in seed order
     */
    public List<Double> overlapTaskVsVariant(int h) {
        List<Double> out = new ArrayList<>();
        for (SignificanceRun a : ranking(LayerSignificanceExperiment.TASK)) {
            for (SignificanceRun b : ranking(LayerSignificanceExperiment.VARIANT)) {
                if (a.seed() == b.seed()) {
                    out.add(SignificanceReport.overlap(a.significance(), b.significance(), h));
                }
            }
        }
        return out;
    }

    /**
     * The top-H overlap between the task's rankings of every pair of seeds (the noise floor of the comparison).
     *
     * @param h the top-H size
     * @return one overlap per pair of seeds
     */
    public List<Double> overlapTaskAcrossSeeds(int h) {
        List<SignificanceRun> task = ranking(LayerSignificanceExperiment.TASK);
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < task.size(); i++) {
            for (int j = i + 1; j < task.size(); j++) {
                out.add(SignificanceReport.overlap(task.get(i).significance(), task.get(j).significance(), h));
            }
        }
        return out;
    }

    /**
     * The number of gated matrices {@code M}.
     *
     * @return M
     */
    public int matrices() {
        return significances.get(0).significance().entries().size();
    }

    /**
     * The report as Markdown.
     *
     * @return the text
     */
    public String markdown() {
        StringBuilder s = new StringBuilder();
        s.append("## Fine-tuning variants (").append(options.seeds()).append(" seeds)\n\n");
        s.append("| variant | trainable parameters | share | test accuracy mean ± sd | min – max | per seed"
                + " | with ×: mean | without ×: mean |\n");
        s.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        s.append(String.format(Locale.ROOT, "| base model (no fine-tuning) | 0 | 0 %% | %.3f | – | – | %.3f"
                + " | %.3f |%n", base.task().all(), base.task().multiply(), base.task().other()));
        for (String v : LayerSignificanceExperiment.VARIANTS) {
            Spread acc = accuracy(v);
            Spread trainable = trainable(v);
            StringBuilder perSeed = new StringBuilder();
            for (VariantRun r : of(v)) {
                perSeed.append(perSeed.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f",
                        r.accuracy()));
            }
            double multiply = of(v).stream().mapToDouble(VariantRun::multiplyAccuracy).average().orElseThrow();
            double other = of(v).stream().mapToDouble(VariantRun::otherAccuracy).average().orElseThrow();
            s.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f %% | %.3f ± %.3f | %.3f – %.3f | %s | %.3f"
                    + " | %.3f |%n", v, trainable.mean(), 100 * trainable.mean() / of(v).get(0).total(), acc.mean(),
                    acc.sd(), acc.min(), acc.max(), perSeed, multiply, other));
        }
        s.append(String.format(Locale.ROOT, "%nTest set: %d problems of the task (%d with a multiplication);"
                + " accuracy = share graded CORRECT after greedy generation; sd = sample standard deviation over"
                + " seeds. Base model (%s): %,d parameters, accuracy %.3f on held-out problems of its own"
                + " pre-training variant, pre-training %.0f s. `share` = trainable / all parameters; M = %d"
                + " matrices, ila-freeze freezes %d, ila-top and random-top train %d.%n%n", options.testProblems(),
                multiplyCount, base.source(), base.parameters(), base.pretrainAccuracy(), base.seconds(),
                matrices(), (int) Math.ceil(options.freezeFraction() * matrices()), topH));

        s.append("## ILA runs\n\n| task | seed | warm-up steps | ended by | last relative change | seconds |\n");
        s.append("| --- | --- | --- | --- | --- | --- |\n");
        for (SignificanceRun r : significances) {
            double last = r.checks().isEmpty() ? Double.NaN : r.checks().get(r.checks().size() - 1).relativeChange();
            s.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %.3f | %.1f |%n", r.task(), r.seed(),
                    r.warmUpSteps(), r.stoppedStable() ? "stability" : "step cap", last, r.seconds()));
        }

        SignificanceRun first = ranking(LayerSignificanceExperiment.TASK).get(0);
        s.append(String.format(Locale.ROOT, "%n## Layer significance, task, seed %d%n%n", first.seed()));
        s.append(SignificanceReport.markdownTable(first.significance()));
        s.append(String.format(Locale.ROOT, "%nHeat map: `seed-%d/significance-task.png`.%n%n", first.seed()));

        int half = (int) Math.ceil(matrices() / 2.0);
        s.append("## Top-H overlap of the rankings\n\n");
        s.append("| H | task vs second variant (per seed) | mean | task: seed vs seed (all pairs) | mean"
                + " | random H/M |\n");
        s.append("| --- | --- | --- | --- | --- | --- |\n");
        for (int h : half == topH ? List.of(topH) : List.of(topH, half)) {
            List<Double> cross = overlapTaskVsVariant(h);
            List<Double> seeds = overlapTaskAcrossSeeds(h);
            s.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %.3f |%n", h, join(cross), mean(cross),
                    join(seeds), mean(seeds), h / (double) matrices()));
        }

        s.append(String.format(Locale.ROOT, "%n## Run%n%nWall time %.0f s; started %s (load average %.2f), ended"
                + " %s (load average %.2f); %d processors.%n", wallSeconds, start.time(), start.loadAverage(),
                end.time(), end.loadAverage(), start.processors()));
        return s.toString();
    }

    /**
     * Writes {@code results.md} and {@code results.json} into a directory, each atomically.
     *
     * @param dir the directory
     * @throws AlloException if a file cannot be written
     */
    public void write(Path dir) {
        TextFiles.write(dir.resolve("results.md"), markdown());
        try {
            TextFiles.write(dir.resolve("results.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(json()));
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot serialise the results: " + e.getMessage(), e);
        }
    }

    private Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("options", options.asMap());
        root.put("base", base);
        root.put("runs", runs);
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String v : LayerSignificanceExperiment.VARIANTS) {
            summary.put(v, Map.of("accuracy", accuracy(v), "trainable", trainable(v)));
        }
        root.put("summary", summary);
        List<Map<String, Object>> ila = new ArrayList<>();
        for (SignificanceRun r : significances) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("task", r.task());
            m.put("seed", r.seed());
            m.put("warmUpSteps", r.warmUpSteps());
            m.put("stoppedStable", r.stoppedStable());
            m.put("seconds", r.seconds());
            m.put("ranked", r.significance().ranked().stream().map(e -> Map.of("name", e.name(), "layer", e.layer(),
                    "module", e.module(), "logit", e.logit(), "gate", e.gate())).toList());
            ila.add(m);
        }
        root.put("significance", ila);
        Map<String, Object> overlap = new LinkedHashMap<>();
        overlap.put("h", topH);
        overlap.put("matrices", matrices());
        overlap.put("random", topH / (double) matrices());
        overlap.put("taskVsVariant", overlapTaskVsVariant(topH));
        overlap.put("taskAcrossSeeds", overlapTaskAcrossSeeds(topH));
        root.put("overlap", overlap);
        root.put("wallSeconds", wallSeconds);
        root.put("start", Map.of("time", start.time().toString(), "loadAverage", start.loadAverage(),
                "processors", start.processors()));
        root.put("end", Map.of("time", end.time().toString(), "loadAverage", end.loadAverage()));
        return root;
    }

    private List<VariantRun> of(String variant) {
        List<VariantRun> out = runs.stream().filter(r -> r.variant().equals(variant)).toList();
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no run of variant '" + variant + "'; variants: "
                    + LayerSignificanceExperiment.VARIANTS);
        }
        return out;
    }

    private List<SignificanceRun> ranking(String task) {
        return significances.stream().filter(r -> r.task().equals(task)).toList();
    }

    private static String join(List<Double> values) {
        if (values.isEmpty()) {
            return "–";
        }
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return s.toString();
    }

    private static String mean(List<Double> values) {
        return values.isEmpty() ? "–" : String.format(Locale.ROOT, "%.3f",
                values.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
    }
}
