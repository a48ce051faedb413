package dev.allo.examples.paper;

import dev.allo.AlloException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Writes line charts of named (x, y) series and bar charts as PNG (JFreeChart, headless), atomically; other charts
 * can be saved the same way through {@link #save(JFreeChart, Path, int, int)}.
 */
public final class LineChart {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private LineChart() {}

    /**
     * Draws the series.
     *
     * @param title the chart title
     * @param xLabel the x axis label
     * @param yLabel the y axis label
     * @param series name to points {@code {x, y}}, in legend order
     * @param logX whether the x axis is logarithmic
     * @param file the PNG file
     * @throws AlloException naming the file if it cannot be written
     */
    static void write(String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logX,
            Path file) {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, points) -> {
            XYSeries s = new XYSeries(name, false);
            for (double[] p : points) {
                s.add(p[0], p[1]);
            }
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true,
                false, false);
        if (logX) {
            chart.getXYPlot().setDomainAxis(new LogAxis(xLabel));
        }
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(false);
        save(chart, file);
    }

    /**
     * Draws a bar chart of labelled values.
     *
     * @param title the chart title
     * @param valueLabel the value axis label
     * @param bars bar label to value, in order
     * @param file the PNG file
     * @throws AlloException naming the file if it cannot be written
     */
    static void bars(String title, String valueLabel, Map<String, Double> bars, Path file) {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        bars.forEach((label, value) -> data.addValue(value, valueLabel, label));
        JFreeChart chart = ChartFactory.createBarChart(title, null, valueLabel, data, PlotOrientation.HORIZONTAL,
                false, false, false);
        save(chart, file);
    }

    private static void save(JFreeChart chart, Path file) {
        save(chart, file, WIDTH, HEIGHT);
    }

    /**
     * Saves a chart as PNG through a temporary sibling and an atomic rename, creating the directory if needed.
     *
     * @param chart the chart
     * @param file the PNG file
     * @param width the width in pixels
     * @param height the height in pixels
     * @throws AlloException naming the file if it cannot be written
     */
    public static void save(JFreeChart chart, Path file, int width, int height) {
        System.setProperty("java.awt.headless", "true");
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, width, height);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AlloException("cannot write chart " + file + ": " + e.getMessage(), e);
        }
    }
}
