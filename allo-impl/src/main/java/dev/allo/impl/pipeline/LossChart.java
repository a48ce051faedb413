package dev.allo.impl.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.impl.report.AxisRange;
import dev.allo.train.StepMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a stage's training loss per optimiser step as a PNG line chart (JFreeChart, headless), from the stage's
 * metrics log, so the chart covers every step of the stage across kills and resumes. Longer stages are thinned to
 * every {@code ceil(n / 4096)}-th step, the last step always drawn. The y axis is fitted to the data
 * ({@link AxisRange}), so a small change of the loss is visible.
 */
final class LossChart {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 450;
    private static final int MAX_POINTS = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LossChart() {}

    /**
     * The chart of a loss series, its y axis fitted to the finite values ({@link AxisRange}) rather than starting
     * at 0.
     */
    static JFreeChart chart(String stage, XYSeries loss) {
        JFreeChart chart = ChartFactory.createXYLineChart("Stage '" + stage + "': training loss",
                "optimiser step", "loss", new XYSeriesCollection(loss), PlotOrientation.VERTICAL, false, false,
                false);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < loss.getItemCount(); i++) {
            double v = loss.getY(i).doubleValue();
            if (Double.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (min <= max) {
            AxisRange range = AxisRange.fit(min, max, 6);
            NumberAxis axis = (NumberAxis) chart.getXYPlot().getRangeAxis();
            axis.setAutoRangeIncludesZero(false);
            axis.setRange(range.lower(), range.upper());
            axis.setTickUnit(new NumberTickUnit(range.tick()));
        }
        return chart;
    }

    static void write(String stage, Path metricsLog, Path file) {
        System.setProperty("java.awt.headless", "true");
        List<double[]> points = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(metricsLog, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                JsonNode node = JSON.readTree(line);
                JsonNode step = node.path("step");
                JsonNode value = node.path(StepMetrics.LOSS);
                if (!step.isNumber() || !(value.isNumber() || value.isTextual())) {
                    throw new AlloException("metrics log " + metricsLog + " line " + number + " has no numeric"
                            + " 'step' and 'loss'");
                }
                points.add(new double[] {step.asDouble(), value.isNumber() ? value.asDouble()
                        : Double.parseDouble(value.asText())});
            }
        } catch (IOException e) {
            throw new AlloException("Cannot read metrics log " + metricsLog + ": " + e.getMessage(), e);
        }
        XYSeries loss = new XYSeries("loss");
        int stride = Math.max(1, (points.size() + MAX_POINTS - 1) / MAX_POINTS);
        for (int i = 0; i < points.size(); i++) {
            if (i % stride == 0 || i == points.size() - 1) {
                loss.add(points.get(i)[0], points.get(i)[1]);
            }
        }
        JFreeChart chart = chart(stage, loss);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, HEIGHT);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AlloException("Cannot write loss chart " + file + ": " + e.getMessage(), e);
        }
    }
}
