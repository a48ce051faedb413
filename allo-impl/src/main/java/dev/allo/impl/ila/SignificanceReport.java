package dev.allo.impl.ila;

import dev.allo.AlloException;
import dev.allo.impl.lora.LoraConfig;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * Reports of a {@link LayerSignificance}: a Markdown table per matrix, a heat map (decoder block x module type) as a
 * PNG rendered with JFreeChart (run headless with {@code -Djava.awt.headless=true} on machines without a display),
 * and the overlap of two rankings' top-H sets.
 */
public final class SignificanceReport {
    private static final int SHADES = 101;

    private SignificanceReport() {}

    /**
     * A Markdown table of every matrix, most significant first:
     * {@code | rank | matrix | layer | module | s | gamma |}, {@code s} and {@code gamma = sigmoid(s)} with four
     * decimals.
     *
     * @param significance the ranking
     * @return the table, one line per matrix plus the header and separator, each line ending with a newline
     */
    public static String markdownTable(LayerSignificance significance) {
        StringBuilder out = new StringBuilder("| rank | matrix | layer | module | s | gamma |\n");
        out.append("| ---: | --- | ---: | --- | ---: | ---: |\n");
        int rank = 1;
        for (LayerSignificance.Entry e : significance.ranked()) {
            out.append(String.format(Locale.ROOT, "| %d | `%s` | %d | %s | %.4f | %.4f |%n", rank++, e.name(),
                    e.layer(), e.module(), e.logit(), e.gate()).replace(System.lineSeparator(), "\n"));
        }
        return out.toString();
    }

    /**
     * The overlap of the top-{@code h} sets: {@code |T_h(a) ∩ T_h(b)| / h}.
     *
     * @param a one ranking (for example from one data set)
     * @param b another ranking of the same matrices
     * @param h the set size
     * @return the fraction in {@code [0, 1]}
     */
    public static double overlap(LayerSignificance a, LayerSignificance b, int h) {
        return a.overlap(b, h);
    }

    /**
     * Renders the heat map: x = module type (q, k, v, o, gate, up, down: the modules present), y = decoder block,
     * colour = {@code gamma_l} on a white (0) to dark blue (1) scale; matrices without a gate stay blank.
     *
     * @param significance the gates
     * @param title the chart title
     * @param width image width in pixels
     * @param height image height in pixels
     * @return the chart image
     */
    public static BufferedImage heatMap(LayerSignificance significance, String title, int width, int height) {
        List<String> modules = new ArrayList<>();
        for (String m : LoraConfig.LINEAR_MODULES) {
            if (significance.entries().stream().anyMatch(e -> e.module().equals(m))) {
                modules.add(m);
            }
        }
        int n = significance.entries().size();
        double[][] xyz = new double[3][n];
        int maxLayer = 0;
        for (int i = 0; i < n; i++) {
            LayerSignificance.Entry e = significance.entries().get(i);
            xyz[0][i] = modules.indexOf(e.module());
            xyz[1][i] = e.layer();
            xyz[2][i] = e.gate();
            maxLayer = Math.max(maxLayer, e.layer());
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("gamma", xyz);
        LookupPaintScale scale = new LookupPaintScale(0, 1.0000001, Color.WHITE);
        for (int i = 0; i < SHADES; i++) {
            double v = i / (double) (SHADES - 1);
            scale.add(v, new Color((int) (255 * (1 - v)), (int) (255 * (1 - 0.8 * v)), (int) (255 - 115 * v)));
        }
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        SymbolAxis x = new SymbolAxis("module", modules.toArray(new String[0]));
        NumberAxis y = new NumberAxis("layer");
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        y.setRange(-0.5, maxLayer + 0.5);
        x.setRange(-0.5, modules.size() - 0.5);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, plot);
        chart.removeLegend();
        NumberAxis legendAxis = new NumberAxis("gamma = sigmoid(s)");
        legendAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart.createBufferedImage(width, height);
    }

    /**
     * Writes the heat map as a PNG, atomically (a temporary file in the same directory, then a rename).
     *
     * @param significance the gates
     * @param title the chart title
     * @param file the PNG file
     * @param width image width in pixels
     * @param height image height in pixels
     * @throws AlloException naming the file if writing fails; the target is then unchanged
     */
    public static void writeHeatMap(LayerSignificance significance, String title, Path file, int width,
            int height) {
        BufferedImage image = heatMap(significance, title, width, height);
        Path target = file.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer available");
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new AlloException("cannot write heat map " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // clean-up of a temporary file only
                }
            }
        }
    }
}
