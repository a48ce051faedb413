package dev.allo.examples.quickstart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.HashMap;
import java.util.Map;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.CategoryDataset;

/**
 * A vertical bar renderer that also draws each bar's interval {@code [low, high]} as an error bar with caps; the
 * interval may be asymmetric (a bootstrap interval), which JFreeChart's statistical renderer (mean &plusmn; one
 * standard deviation) cannot show. Bars whose value is null are skipped, as are their intervals.
 */
final class ErrorBarRenderer extends BarRenderer {
    private static final long serialVersionUID = 1L;

    private final Map<String, double[]> intervals = new HashMap<>();

    ErrorBarRenderer() {
        setBarPainter(new StandardBarPainter());
        setShadowVisible(false);
        setDrawBarOutline(false);
        setItemMargin(0.05);
    }

    /**
     * Sets the interval drawn over a bar.
     *
     * @param row the row (series) key
     * @param column the column (category) key
     * @param low the interval's lower end
     * @param high the interval's upper end
     */
    void interval(String row, String column, double low, double high) {
        intervals.put(row + '\u0000' + column, new double[] {low, high});
    }

    /**
     * The upper end of a bar's interval.
     *
     * @param row the row (series) key
     * @param column the column (category) key
     * @return the upper end, or NaN if the bar has no interval
     */
    double high(String row, String column) {
        double[] ci = intervals.get(row + '\u0000' + column);
        return ci == null ? Double.NaN : ci[1];
    }

    @Override
    public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea, CategoryPlot plot,
            CategoryAxis domainAxis, ValueAxis rangeAxis, CategoryDataset dataset, int row, int column, int pass) {
        super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
        if (pass != getPassCount() - 1 || dataset.getValue(row, column) == null) {
            return;
        }
        double[] ci = intervals.get(String.valueOf(dataset.getRowKey(row)) + '\u0000'
                + dataset.getColumnKey(column));
        if (ci == null || Double.isNaN(ci[0]) || Double.isNaN(ci[1])) {
            return;
        }
        PlotOrientation orientation = plot.getOrientation();
        double w0 = calculateBarW0(plot, orientation, dataArea, domainAxis, state, row, column);
        double x = w0 + state.getBarWidth() / 2;
        double cap = state.getBarWidth() / 4;
        double y0 = rangeAxis.valueToJava2D(ci[0], dataArea, plot.getRangeAxisEdge());
        double y1 = rangeAxis.valueToJava2D(ci[1], dataArea, plot.getRangeAxisEdge());
        g2.setPaint(Color.BLACK);
        g2.setStroke(new BasicStroke(1.2f));
        g2.draw(new Line2D.Double(x, y0, x, y1));
        g2.draw(new Line2D.Double(x - cap, y0, x + cap, y0));
        g2.draw(new Line2D.Double(x - cap, y1, x + cap, y1));
    }
}
