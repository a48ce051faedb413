package dev.allo.impl.pipeline;

import dev.allo.AlloException;
import dev.allo.train.StageResult;
import dev.allo.train.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws a stage's training loss per optimiser step as a PNG line chart (JFreeChart, headless). */
final class LossChart {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 450;

    private LossChart() {}

    static void write(StageResult result, Path file) {
        System.setProperty("java.awt.headless", "true");
        XYSeries loss = new XYSeries("loss");
        for (StepMetrics m : result.history()) {
            loss.add(m.step(), m.loss());
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Stage '" + result.stage() + "': training loss",
                "optimiser step", "loss", new XYSeriesCollection(loss), PlotOrientation.VERTICAL, false, false,
                false);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, HEIGHT);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AlloException("Cannot write loss chart " + file + ": " + e.getMessage(), e);
        }
    }
}
