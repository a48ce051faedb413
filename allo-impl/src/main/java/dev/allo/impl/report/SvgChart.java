package dev.allo.impl.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A line chart of one metric over optimiser steps as inline SVG: the training values as a line, evaluation values
 * (if any) as dots on top, both axes fitted to the data ({@link AxisRange}). Non-finite values are left out. Longer
 * series are thinned to every {@code ceil(n / 2000)}-th point, the last always drawn.
 *
 * <p>The {@code svg} element carries its data for checks: {@code class="chart"}, {@code data-stage},
 * {@code data-metric}, {@code data-points} (training points drawn), {@code data-eval-points},
 * {@code data-y-lower} and {@code data-y-upper} (the axis).
 */
public final class SvgChart {
    private static final int WIDTH = 560;
    private static final int HEIGHT = 260;
    private static final int LEFT = 70;
    private static final int RIGHT = 16;
    private static final int TOP = 26;
    private static final int BOTTOM = 38;
    private static final int MAX_POINTS = 2000;

    private SvgChart() {}

    /**
     * Renders a chart.
     *
     * @param stage the stage, for the title and {@code data-stage}
     * @param metric the metric's name
     * @param train (step, value) pairs of the training steps
     * @param eval (step, value) pairs of the evaluations, possibly empty
     * @return the {@code svg} element
     */
    public static String render(String stage, String metric, List<double[]> train, List<double[]> eval) {
        List<double[]> line = thin(finite(train));
        List<double[]> dots = finite(eval);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (List<double[]> series : List.of(line, dots)) {
            for (double[] p : series) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                minY = Math.min(minY, p[1]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        StringBuilder svg = new StringBuilder();
        String title = stage + ": " + metric;
        if (line.isEmpty() && dots.isEmpty()) {
            minX = 0;
            maxX = 1;
            minY = 0;
            maxY = 1;
        }
        AxisRange x = AxisRange.fit(minX, maxX, 6);
        AxisRange y = AxisRange.fit(minY, maxY, 5);
        svg.append("<svg class=\"chart\" width=\"").append(WIDTH)
                .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" data-stage=\"").append(Html.escape(stage)).append("\" data-metric=\"")
                .append(Html.escape(metric)).append("\" data-points=\"").append(line.size())
                .append("\" data-eval-points=\"").append(dots.size()).append("\" data-y-lower=\"").append(y.lower())
                .append("\" data-y-upper=\"").append(y.upper()).append("\" role=\"img\">\n");
        svg.append("<title>").append(Html.escape(title)).append("</title>\n");
        svg.append("<text x=\"").append(LEFT).append("\" y=\"16\" class=\"chart-title\">").append(Html.escape(title))
                .append("</text>\n");
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        svg.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"")
                .append(Html.coordinate(plotW)).append("\" height=\"").append(Html.coordinate(plotH))
                .append("\" class=\"plot\"/>\n");
        for (double t = y.lower(); t <= y.upper() + y.tick() / 2; t += y.tick()) {
            double py = TOP + plotH * (1 - y.fraction(t));
            svg.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                    .append(Html.coordinate(py)).append("\" y2=\"").append(Html.coordinate(py))
                    .append("\" class=\"grid\"/>");
            svg.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(Html.coordinate(py + 4))
                    .append("\" class=\"tick-y\">").append(Html.tick(snap(t, y.tick()), y.tick())).append("</text>\n");
        }
        for (double t = x.lower(); t <= x.upper() + x.tick() / 2; t += x.tick()) {
            double px = LEFT + plotW * x.fraction(t);
            svg.append("<text x=\"").append(Html.coordinate(px)).append("\" y=\"").append(HEIGHT - BOTTOM + 16)
                    .append("\" class=\"tick-x\">").append(Html.tick(snap(t, x.tick()), x.tick())).append("</text>\n");
        }
        svg.append("<text x=\"").append(Html.coordinate(LEFT + plotW / 2)).append("\" y=\"").append(HEIGHT - 6)
                .append("\" class=\"axis-label\">optimiser step</text>\n");
        if (!line.isEmpty()) {
            svg.append("<polyline class=\"train\" points=\"");
            for (int i = 0; i < line.size(); i++) {
                double[] p = line.get(i);
                svg.append(i == 0 ? "" : " ").append(Html.coordinate(LEFT + plotW * x.fraction(p[0]))).append(',')
                        .append(Html.coordinate(TOP + plotH * (1 - y.fraction(p[1]))));
            }
            svg.append("\"/>\n");
        }
        for (double[] p : dots) {
            svg.append("<circle class=\"eval\" r=\"3.5\" cx=\"").append(Html.coordinate(LEFT + plotW * x.fraction(p[0])))
                    .append("\" cy=\"").append(Html.coordinate(TOP + plotH * (1 - y.fraction(p[1])))).append("\">")
                    .append("<title>step ").append((long) p[0]).append(": ").append(Html.number(p[1]))
                    .append("</title></circle>\n");
        }
        if (!dots.isEmpty()) {
            svg.append("<text x=\"").append(WIDTH - RIGHT).append("\" y=\"16\" class=\"legend\">")
                    .append("line: training, dots: evaluation</text>\n");
        }
        return svg.append("</svg>\n").toString();
    }

    /** A tick value without the rounding noise of repeated addition. */
    private static double snap(double t, double tick) {
        return Math.rint(t / tick) * tick;
    }

    private static List<double[]> finite(List<double[]> points) {
        List<double[]> out = new ArrayList<>();
        for (double[] p : points) {
            if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<double[]> thin(List<double[]> points) {
        int stride = Math.max(1, (points.size() + MAX_POINTS - 1) / MAX_POINTS);
        if (stride == 1) {
            return points;
        }
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            if (i % stride == 0 || i == points.size() - 1) {
                out.add(points.get(i));
            }
        }
        return out;
    }
}
