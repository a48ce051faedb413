package dev.allo.examples.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.examples.paper.LineChart;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the preference stages' training curves of a run directory: per optimiser step, the mean reward margin
 * {@code rewards/margins} (the implicit reward of the chosen minus that of the rejected response, DPO, arXiv
 * 2305.18290 &sect;5) and the reward accuracy {@code rewards/accuracies} (the fraction of the batch with a positive
 * margin), one line per stage, from every {@code metrics.jsonl} under the directory that logs them (stages that do
 * not, such as SFT and ALLO's forgetting stage, are left out). The stage is named by its directory's path under the
 * run directory, e.g. {@code dpo-lr-1e-04/dpo}.
 */
public final class TrainingCurves {
    /** The chart's file name. */
    public static final String FILE = "training-curves.png";
    static final String MARGINS = "rewards/margins";
    static final String ACCURACIES = "rewards/accuracies";
    private static final int WIDTH = 900;
    private static final int HEIGHT = 700;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};

    private TrainingCurves() {}

    /**
     * Writes the chart, if any stage under the run directory logged reward margins.
     *
     * @param runDir the run directory
     * @param filters keep only stages whose path under the run directory contains one of these; empty keeps all
     * @param file the PNG file
     * @return whether a chart was written (false when no stage matched or logged reward margins)
     * @throws IllegalArgumentException naming the file and line of a malformed metrics line
     * @throws AlloException if a file cannot be read or written
     */
    public static boolean write(Path runDir, List<String> filters, Path file) {
        System.setProperty("java.awt.headless", "true");
        Map<String, double[][]> margins = new TreeMap<>();
        Map<String, double[][]> accuracies = new TreeMap<>();
        for (Path metrics : metricsFiles(runDir)) {
            String stage = runDir.relativize(metrics.getParent()).toString().replace('\\', '/');
            if (filters.isEmpty() || filters.stream().anyMatch(stage::contains)) {
                double[][][] curves = read(metrics);
                if (curves[0].length > 0) {
                    margins.put(stage, curves[0]);
                    accuracies.put(stage, curves[1]);
                }
            }
        }
        if (margins.isEmpty()) {
            return false;
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("optimiser step"));
        plot.add(panel(margins, "reward margin", true), 1);
        plot.add(panel(accuracies, "reward accuracy", false), 1);
        JFreeChart chart = new JFreeChart("Preference stages: " + MARGINS + " and " + ACCURACIES + " per step",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        LineChart.save(chart, file, WIDTH, HEIGHT);
        return true;
    }

    private static List<Path> metricsFiles(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(runDir)) {
            return files.filter(p -> p.getFileName().toString().equals("metrics.jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new AlloException("Cannot list " + runDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads one stage's curves.
     *
     * @return {@code {margins, accuracies}}, each {@code [steps][2]} of {@code {step, value}}; empty when the stage
     *     logs no margins
     */
    static double[][][] read(Path metrics) {
        List<String> lines;
        try {
            lines = Files.readAllLines(metrics, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AlloException("Cannot read " + metrics + ": " + e.getMessage(), e);
        }
        ObjectMapper json = new ObjectMapper();
        ArrayList<double[]> margins = new ArrayList<>();
        ArrayList<double[]> accuracies = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = metrics + " line " + (i + 1);
            JsonNode row;
            try {
                row = json.readTree(lines.get(i));
            } catch (IOException e) {
                throw new IllegalArgumentException(where + ": not a JSON object: " + e.getMessage(), e);
            }
            if (row == null || !row.isObject() || !row.has(MARGINS)) {
                continue;
            }
            double step = number(row, "step", where);
            margins.add(new double[] {step, number(row, MARGINS, where)});
            accuracies.add(new double[] {step, number(row, ACCURACIES, where)});
        }
        return new double[][][] {margins.toArray(double[][]::new), accuracies.toArray(double[][]::new)};
    }

    private static double number(JsonNode row, String key, String where) {
        JsonNode v = row.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(where + ": field '" + key + "' expected a number, got " + v);
        }
        return v.asDouble();
    }

    private static XYPlot panel(Map<String, double[][]> curves, String label, boolean legend) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        int k = 0;
        for (Map.Entry<String, double[][]> e : curves.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false);
            for (double[] p : e.getValue()) {
                s.add(p[0], p[1]);
            }
            data.addSeries(s);
            lines.setSeriesPaint(k, PALETTE[k % PALETTE.length]);
            lines.setSeriesStroke(k, new BasicStroke(1.8f));
            k++;
        }
        lines.setDefaultSeriesVisibleInLegend(legend);
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(true);
        return new XYPlot(data, null, axis, lines);
    }
}
