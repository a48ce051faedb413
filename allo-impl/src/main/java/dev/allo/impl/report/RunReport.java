package dev.allo.impl.report;

import dev.allo.io.ChecksummedFile;
import dev.allo.mask.NeuronMask;
import dev.allo.train.StepMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A run's {@code report.html}: one self-contained file (inline CSS and SVG, no script, no network resource) with
 * the configuration, a summary of the data, per stage the charts of {@link #CHART_METRICS} over the optimiser steps
 * (from the stage's {@code metrics.jsonl}, with the {@code eval/<metric>} values of its {@code eval.jsonl} as
 * dots), the stage's mask as a heat map ({@link MaskHeatMap}), and a final table of each stage's last step
 * ({@link #TABLE_METRICS}, then the last evaluation's {@code eval/*} values).
 *
 * <p>Table cells carry {@code data-stage}, {@code data-metric} and {@code data-value} (the exact double) for checks.
 * The file is written atomically, so it can be rewritten after every stage.
 */
public final class RunReport {
    /** The metrics charted per stage, those a stage logs. */
    public static final List<String> CHART_METRICS = List.of(StepMetrics.LOSS, "rewards/chosen", "rewards/rejected",
            "rewards/margins", "rewards/accuracies", StepMetrics.GRAD_NORM, StepMetrics.LEARNING_RATE);
    /** The metrics of the final table, those a stage logs. */
    public static final List<String> TABLE_METRICS = List.of(StepMetrics.LOSS, "rewards/chosen", "rewards/rejected",
            "rewards/margins", "rewards/accuracies", StepMetrics.ELAPSED_SECONDS);

    /**
     * One stage of the report.
     *
     * @param name the stage's name
     * @param directory the stage's directory, holding {@code metrics.jsonl} and maybe {@code eval.jsonl}
     * @param totalSteps the stage's optimiser steps, or 0 if unknown
     * @param mask the stage's mask, or null (a stage without one, such as the rewriter's full training)
     */
    public record Stage(String name, Path directory, long totalSteps, NeuronMask mask) {}

    private RunReport() {}

    /**
     * Writes the report.
     *
     * @param file the HTML file
     * @param title the run's name (its output directory)
     * @param configJson the configuration as JSON
     * @param data summaries of the data sets
     * @param stages the stages in order, including those not run yet
     * @throws dev.allo.AlloException naming a file that cannot be read or written
     */
    public static void write(Path file, String title, String configJson, List<DataSummary> data, List<Stage> stages) {
        String html = render(title, configJson, data, stages);
        ChecksummedFile.writeAtomically(file, "report", out -> out.write(html.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The report's HTML.
     *
     * @param title the run's name
     * @param configJson the configuration as JSON
     * @param data summaries of the data sets
     * @param stages the stages in order
     * @return the document
     */
    public static String render(String title, String configJson, List<DataSummary> data, List<Stage> stages) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ALLO run: ")
                .append(Html.escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n");
        h.append("<body>\n<h1>ALLO run: ").append(Html.escape(title)).append("</h1>\n<p class=\"meta\">Written ")
                .append(Instant.now()).append("</p>\n");
        List<StageData> loaded = new ArrayList<>();
        for (Stage s : stages) {
            loaded.add(new StageData(s, MetricsLogReader.read(s.directory().resolve("metrics.jsonl")),
                    MetricsLogReader.read(s.directory().resolve("eval.jsonl"))));
        }
        finalTable(h, loaded);
        h.append("<h2 id=\"data\">Data</h2>\n");
        dataTable(h, data);
        for (StageData s : loaded) {
            stage(h, s);
        }
        h.append("<h2 id=\"configuration\">Configuration</h2>\n<pre class=\"config\">").append(Html.escape(configJson))
                .append("</pre>\n</body>\n</html>\n");
        return h.toString();
    }

    private record StageData(Stage stage, List<StepMetrics> steps, List<StepMetrics> evals) {
        StepMetrics last() {
            return steps.isEmpty() ? null : steps.get(steps.size() - 1);
        }

        StepMetrics lastEval() {
            return evals.isEmpty() ? null : evals.get(evals.size() - 1);
        }
    }

    private static void finalTable(StringBuilder h, List<StageData> stages) {
        Set<String> evalKeys = new LinkedHashSet<>();
        for (StageData s : stages) {
            if (s.lastEval() != null) {
                s.lastEval().metrics().keySet().stream().filter(k -> !k.equals(StepMetrics.STEP)
                        && !k.equals(StepMetrics.EPOCH)).forEach(evalKeys::add);
            }
        }
        h.append("<h2 id=\"final\">Final metrics</h2>\n<p>Each stage's last optimiser step (and its last evaluation)."
                + "</p>\n<div class=\"scroll\"><table class=\"final\">\n<tr><th>stage</th><th>steps</th>");
        for (String m : TABLE_METRICS) {
            h.append("<th>").append(Html.escape(m)).append("</th>");
        }
        for (String m : evalKeys) {
            h.append("<th>").append(Html.escape(m)).append("</th>");
        }
        h.append("<th>selected fraction</th></tr>\n");
        for (StageData s : stages) {
            String name = s.stage().name();
            h.append("<tr><td>").append(Html.escape(name)).append("</td>");
            StepMetrics last = s.last();
            String steps = last == null ? "not run" : last.step() + (s.stage().totalSteps() > 0
                    ? " / " + s.stage().totalSteps() : "");
            h.append("<td data-stage=\"").append(Html.escape(name)).append("\" data-metric=\"step\"")
                    .append(last == null ? "" : " data-value=\"" + last.step() + "\"").append('>').append(steps)
                    .append("</td>");
            for (String m : TABLE_METRICS) {
                cell(h, name, m, last == null ? null : last.metrics().get(m));
            }
            for (String m : evalKeys) {
                cell(h, name, m, s.lastEval() == null ? null : s.lastEval().metrics().get(m));
            }
            NeuronMask mask = s.stage().mask();
            cell(h, name, "mask/ratio", mask == null ? null : mask.ratio());
            h.append("</tr>\n");
        }
        h.append("</table></div>\n");
    }

    private static void cell(StringBuilder h, String stage, String metric, Double value) {
        h.append("<td data-stage=\"").append(Html.escape(stage)).append("\" data-metric=\"")
                .append(Html.escape(metric)).append('"');
        if (value == null) {
            h.append(">&ndash;</td>");
        } else {
            h.append(" data-value=\"").append(value).append("\">").append(Html.number(value)).append("</td>");
        }
    }

    private static void dataTable(StringBuilder h, List<DataSummary> data) {
        h.append("<table class=\"data\">\n<tr><th>set</th><th>examples</th><th>pairs kept</th><th>dropped</th>"
                + "<th>prompt tokens min / mean / max</th><th>chosen tokens</th><th>rejected tokens</th>"
                + "<th>why dropped</th></tr>\n");
        for (DataSummary d : data) {
            h.append("<tr><td>").append(Html.escape(d.name())).append("</td><td>").append(d.examples())
                    .append("</td><td>").append(d.pairs()).append("</td><td>").append(d.dropped()).append("</td><td>")
                    .append(lengths(d.prompt())).append("</td><td>").append(lengths(d.chosen())).append("</td><td>")
                    .append(lengths(d.rejected())).append("</td><td>").append(Html.escape(d.dropReasons()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String lengths(DataSummary.Lengths l) {
        return l.min() + " / " + String.format(Locale.ROOT, "%.1f", l.mean()) + " / " + l.max();
    }

    private static void stage(StringBuilder h, StageData s) {
        String name = s.stage().name();
        h.append("<section class=\"stage\" data-stage=\"").append(Html.escape(name)).append("\">\n<h2>Stage ")
                .append(Html.escape(name)).append("</h2>\n");
        if (s.steps().isEmpty()) {
            h.append("<p>Not run yet.</p>\n</section>\n");
            return;
        }
        h.append("<p>").append(s.steps().size()).append(" optimiser steps logged");
        if (!s.evals().isEmpty()) {
            h.append(", ").append(s.evals().size()).append(" evaluations (dots)");
        }
        h.append(".</p>\n<div class=\"charts\">\n");
        for (String metric : CHART_METRICS) {
            if (!s.last().metrics().containsKey(metric)) {
                continue;
            }
            List<double[]> train = new ArrayList<>();
            for (StepMetrics m : s.steps()) {
                Double v = m.metrics().get(metric);
                if (v != null) {
                    train.add(new double[] {m.step(), v});
                }
            }
            List<double[]> eval = new ArrayList<>();
            for (StepMetrics m : s.evals()) {
                Double v = m.metrics().get("eval/" + metric);
                if (v != null) {
                    eval.add(new double[] {m.step(), v});
                }
            }
            h.append(SvgChart.render(name, metric, train, eval));
        }
        h.append("</div>\n");
        NeuronMask mask = s.stage().mask();
        if (mask != null) {
            h.append("<h3>Mask</h3>\n<p>Selects ").append(mask.selectedCount()).append(" of ").append(mask.size())
                    .append(" weights (").append(String.format(Locale.ROOT, "%.4f%%", 100 * mask.ratio()))
                    .append(").</p>\n").append(MaskHeatMap.render(name, mask));
            List<String> others = MaskHeatMap.otherTensors(mask);
            if (!others.isEmpty()) {
                h.append("<table class=\"tensors\">\n<tr><th>tensor outside the layers</th><th>selected</th>"
                        + "<th>of</th><th>fraction</th></tr>\n");
                for (String t : others) {
                    h.append("<tr><td>").append(Html.escape(t)).append("</td><td>").append(mask.selectedCount(t))
                            .append("</td><td>").append(mask.size(t)).append("</td><td>")
                            .append(String.format(Locale.ROOT, "%.4f%%", 100 * mask.ratio(t))).append("</td></tr>\n");
                }
                h.append("</table>\n");
            }
        }
        h.append("</section>\n");
    }

    private static final String STYLE = """
            body { font-family: system-ui, sans-serif; margin: 2em; color: #1b1b1b; max-width: 1240px; }
            h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 1.6em; } .meta { color: #666; }
            table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
            th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            .scroll { overflow-x: auto; }
            .charts { display: flex; flex-wrap: wrap; gap: 8px; }
            svg { background: #fff; font-size: 11px; }
            .plot { fill: none; stroke: #999; } .grid { stroke: #e5e5e5; }
            .train { fill: none; stroke: #1f5fa8; stroke-width: 1.5; } .eval { fill: #d9480f; }
            .tick-y { text-anchor: end; } .tick-x { text-anchor: middle; } .axis-label { text-anchor: middle; }
            .legend { text-anchor: end; fill: #666; } .chart-title { font-weight: 600; font-size: 12px; }
            .cell { stroke: #ddd; stroke-width: .5; }
            pre.config { background: #f6f6f6; padding: 1em; overflow: auto; font-size: .85em; }
            """;
}
