package dev.allo.examples.paper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.allo.AlloException;
import dev.allo.examples.ila.Spread;
import dev.allo.examples.ila.TextFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The experiments' results: {@code results.md} (one table per experiment: mean and sample standard deviation over
 * seeds, range, per-seed values, the paper's numbers beside them), {@code results.json} (every outcome) and the
 * charts {@code table2-accuracy.png}, {@code figure1-loss.png}, {@code table4-accuracy.png} and
 * {@code figure4-ratios.png}.
 */
final class PaperReport {
    /** Table 2, GSM8k and MATH columns (LLaMA-2 7B SFT model, accuracy %). */
    private static final Map<String, String> TABLE2_PAPER = Map.of("sft", "55.9 / 11.8", "dpo", "56.6 / 12.2",
            "ipo", "58.0 / 12.9", "simpo", "57.9 / 12.8", "npo", "56.4 / 12.3", "rdpo", "56.9 / 12.3", "allo",
            "56.6 / 13.0");
    /** Table 4, MATH and MAWPS columns (accuracy %). */
    private static final Map<String, String> TABLE4_PAPER = Map.of("allo", "13.0 / 82.5", "allo-no-learn-tlr",
            "12.4 / 82.5", "allo-no-forget-tlr", "12.7 / 82.3", "allo-forget-no-mask", "13.1 / 82.4",
            "allo-learn-no-mask", "12.7 / 81.7", "allo-forget-last-k", "12.5 / 82.5", "allo-learn-last-k",
            "10.2 / 70.9", "allo-learn-only", "12.3 / 82.2", "allo-forget-only", "11.8 / 79.9");

    private final PaperOptions options;
    private final Map<Experiment, List<Variant>> experiments;
    private final Map<String, List<Outcome>> outcomes;
    private final List<String> seedLines;
    private final double seconds;

    /**
     * A report.
     *
     * @param options the run's options
     * @param experiments each experiment's variants, in order
     * @param outcomes each variant's outcomes, one per seed, in seed order
     * @param seedLines one Markdown table row per seed describing its data
     * @param seconds the run's wall time
     */
    PaperReport(PaperOptions options, Map<Experiment, List<Variant>> experiments,
            Map<String, List<Outcome>> outcomes, List<String> seedLines, double seconds) {
        this.options = options;
        this.experiments = experiments;
        this.outcomes = outcomes;
        this.seedLines = seedLines;
        this.seconds = seconds;
    }

    /**
     * Writes {@code results.md}, {@code results.json} and the charts.
     *
     * @param dir the output directory
     */
    void write(Path dir) {
        if (experiments.containsKey(Experiment.FIGURE1)) {
            LineChart.write("Figure 1 (small): DPO training loss, mean over seeds", "optimiser step", "DPO loss",
                    lossCurves(experiments.get(Experiment.FIGURE1)), false, dir.resolve("figure1-loss.png"));
        }
        if (experiments.containsKey(Experiment.FIGURE4)) {
            LineChart.write("Figure 4 (small): test accuracy against the neuron ratio", "neuron ratio",
                    "test accuracy", ratioCurves(), true, dir.resolve("figure4-ratios.png"));
        }
        for (Experiment e : List.of(Experiment.TABLE2, Experiment.TABLE4)) {
            if (experiments.containsKey(e)) {
                LineChart.bars((e == Experiment.TABLE2 ? "Table 2" : "Table 4") + " (small): mean test accuracy over"
                        + " seeds", "test accuracy", meanAccuracies(experiments.get(e)),
                        dir.resolve(e.name().toLowerCase(Locale.ROOT) + "-accuracy.png"));
            }
        }
        TextFiles.write(dir.resolve("results.md"), markdown());
        try {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("options", options.base().describe());
            json.put("seeds", options.seeds());
            json.put("outcomes", outcomes);
            TextFiles.write(dir.resolve("results.json"), new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot serialise the results: " + e.getMessage(), e);
        }
    }

    /**
     * The Markdown report.
     *
     * @return the text, lines ending in {@code \n}
     */
    String markdown() {
        StringBuilder b = new StringBuilder("# The paper's experiments at small scale\n\n");
        options.base().describe().forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        b.append(String.format(Locale.ROOT, "- seeds: %d; wall time %.0f s%n%n", options.seeds(), seconds));
        b.append("| seed | training pairs | recipe | held-out pairs | rewrites | SFT test accuracy |\n");
        b.append("|---|---|---|---|---|---|\n");
        seedLines.forEach(line -> b.append(line).append('\n'));
        b.append("\nAccuracy: greedy decoding graded by the answer checker; preference accuracy: DPO reward accuracy"
                + " on held-out pairs against the SFT model. mean ± sd: sample standard deviation over seeds.\n");
        for (Map.Entry<Experiment, List<Variant>> e : experiments.entrySet()) {
            b.append('\n').append(switch (e.getKey()) {
                case TUNE -> "## Learning-rate selection (validation problems)\n\n";
                case TABLE2 -> "## Table 2 in small\n\nPaper column: Table 2, GSM8k / MATH accuracy (%) of LLaMA-2 7B"
                        + " after SFT and each method. Chart: `table2-accuracy.png`.\n\n";
                case FIGURE1 -> "## Figure 1 in small\n\nDPO on the top-10% / last-10% neurons by accumulated-gradient"
                        + " score, and on all neurons. Loss curves: `figure1-loss.png`. The paper (Figure 1, ECQA and"
                        + " QASC): the top-10% run converges faster and scores higher than all neurons.\n\n";
                case TABLE4 -> "## Table 4 in small (ablations)\n\nPaper column: Table 4, MATH / MAWPS accuracy"
                        + " (%). Chart: `table4-accuracy.png`.\n\n";
                case FIGURE4 -> "## Figure 4 in small (neuron ratios)\n\nOne stage's ratio changes, the other stays at"
                        + " its default (k1 = 5%, k2 = 10%). Chart: `figure4-ratios.png`. The paper (Figure 4,"
                        + " ECQA): accuracy first rises then falls with the ratio, best at k2 = 10%.\n\n";
            });
            b.append(table(e.getKey(), e.getValue()));
        }
        return b.toString().replace(System.lineSeparator(), "\n");
    }

    private String table(Experiment experiment, List<Variant> variants) {
        StringBuilder b = new StringBuilder();
        Map<String, String> paper = experiment == Experiment.TABLE2 ? TABLE2_PAPER
                : experiment == Experiment.TABLE4 ? TABLE4_PAPER : Map.of();
        boolean tune = experiment == Experiment.TUNE;
        b.append("| variant | ").append(tune ? "validation accuracy" : "test accuracy")
                .append(" mean ± sd | min – max | per seed | held-out preference accuracy mean ± sd | ")
                .append(tune ? "test accuracy mean" : "final loss (last stage) mean").append(" |")
                .append(paper.isEmpty() ? "" : " paper |").append('\n');
        b.append("|---|---|---|---|---|---|").append(paper.isEmpty() ? "" : "---|").append('\n');
        for (Variant v : variants) {
            List<Outcome> os = outcomes.getOrDefault(v.id(), List.of());
            if (os.isEmpty()) {
                continue;
            }
            double[] acc = os.stream().mapToDouble(tune ? Outcome::validationAccuracy : Outcome::testAccuracy)
                    .toArray();
            Spread s = Spread.of(acc);
            b.append("| ").append(v.label()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f ± %.1f | %.1f – %.1f | ", 100 * s.mean(), 100 * s.sd(),
                            100 * s.min(), 100 * s.max()))
                    .append(java.util.Arrays.stream(acc).mapToObj(a -> String.format(Locale.ROOT, "%.1f", 100 * a))
                            .collect(Collectors.joining(", ")))
                    .append(" | ").append(preference(os)).append(" | ");
            if (tune) {
                b.append(String.format(Locale.ROOT, "%.1f",
                        100 * Spread.of(os.stream().mapToDouble(Outcome::testAccuracy).toArray()).mean()));
            } else {
                b.append(finalLoss(os));
            }
            b.append(" |");
            if (!paper.isEmpty()) {
                b.append(' ').append(paper.getOrDefault(v.id(), "-")).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String preference(List<Outcome> os) {
        double[] p = os.stream().mapToDouble(Outcome::preferenceAccuracy).filter(Double::isFinite).toArray();
        if (p.length == 0) {
            return "- (reference)";
        }
        Spread s = Spread.of(p);
        return String.format(Locale.ROOT, "%.1f ± %.1f", 100 * s.mean(), 100 * s.sd());
    }

    private static String finalLoss(List<Outcome> os) {
        double[] last = os.stream().filter(o -> !o.losses().isEmpty()).mapToDouble(o -> {
            List<Double> l = lastStage(o);
            return l.get(l.size() - 1);
        }).toArray();
        return last.length == 0 ? "-" : String.format(Locale.ROOT, "%.3f", Spread.of(last).mean());
    }

    private static List<Double> lastStage(Outcome o) {
        List<Double> last = List.of();
        for (List<Double> stage : o.losses().values()) {
            last = stage;
        }
        return last;
    }

    /** Each trained Figure 1 variant's loss per step, averaged over the seeds that reached the step. */
    private Map<String, double[][]> lossCurves(List<Variant> variants) {
        Map<String, double[][]> out = new LinkedHashMap<>();
        for (Variant v : variants) {
            List<Outcome> os = outcomes.getOrDefault(v.id(), List.of());
            if (!v.trains() || os.isEmpty()) {
                continue;
            }
            int steps = os.stream().mapToInt(o -> o.losses().get("dpo").size()).min().orElse(0);
            double[][] points = new double[steps][];
            for (int i = 0; i < steps; i++) {
                final int step = i;
                points[i] = new double[] {i + 1, os.stream().mapToDouble(o -> o.losses().get("dpo").get(step))
                        .average().orElseThrow()};
            }
            out.put(v.label(), points);
        }
        return out;
    }

    /** Each variant's mean test accuracy, in table order. */
    private Map<String, Double> meanAccuracies(List<Variant> variants) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Variant v : variants) {
            List<Outcome> os = outcomes.getOrDefault(v.id(), List.of());
            if (!os.isEmpty()) {
                out.put(v.label(), os.stream().mapToDouble(Outcome::testAccuracy).average().orElseThrow());
            }
        }
        return out;
    }

    /** Mean test accuracy against each stage's ratio. */
    private Map<String, double[][]> ratioCurves() {
        Map<String, double[][]> out = new LinkedHashMap<>();
        out.put("forgetting stage k1 (k2 = 10%)", curve(PaperVariants.FORGET_RATIOS, true));
        out.put("learning stage k2 (k1 = 5%)", curve(PaperVariants.LEARN_RATIOS, false));
        return out;
    }

    private double[][] curve(List<Double> ratios, boolean forget) {
        List<double[]> points = new ArrayList<>();
        for (double r : ratios) {
            String id = forget ? PaperVariants.forgetRatioId(r) : PaperVariants.learnRatioId(r);
            List<Outcome> os = outcomes.getOrDefault(id, List.of());
            if (!os.isEmpty()) {
                points.add(new double[] {r, os.stream().mapToDouble(Outcome::testAccuracy).average().orElseThrow()});
            }
        }
        return points.toArray(double[][]::new);
    }
}
