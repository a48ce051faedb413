package dev.allo.examples.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.examples.paper.LineChart;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Draws a quick start's {@code results.json} (one run's, or the combined one {@link CombineResults} writes) as
 * charts, and a run directory's preference-stage training curves ({@link TrainingCurves}):
 *
 * <pre>
 * java ... dev.allo.examples.quickstart.ResultCharts results.json OUT_DIR [RUN_DIR [STAGE_FILTER ...]]
 * </pre>
 *
 * <p>Writes {@code OUT_DIR/accuracy.png} (test accuracy per method with its 95% interval as error bars),
 * {@code OUT_DIR/mistake-rates.png} (mistake rate per mistake class and method, with intervals; classes absent from
 * the test problems, null in the file, have no bar) and, given a run directory, {@code OUT_DIR/training-curves.png}
 * (only the stages whose path under the run directory contains one of the filters, when filters are given).
 */
public final class ResultCharts {
    /** The file name of the accuracy chart. */
    public static final String ACCURACY = "accuracy.png";
    /** The file name of the per-class mistake-rate chart. */
    public static final String MISTAKE_RATES = "mistake-rates.png";
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private ResultCharts() {}

    /** One method's figures: a value with its interval per measure, NaN where the file has null. */
    record MethodFigures(String name, double[] testAccuracy, Map<String, double[]> mistakeRateByClass) {}

    /**
     * Runs the chart writer.
     *
     * @param args the {@code results.json} file, the output directory, optionally a run directory and stage filters
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: ResultCharts results.json OUT_DIR [RUN_DIR [STAGE_FILTER ...]],"
                    + " got " + args.length + " argument(s)");
        }
        Path out = Path.of(args[1]);
        writeResultCharts(Path.of(args[0]), out, System.out);
        if (args.length > 2) {
            List<String> filters = List.of(args).subList(3, args.length);
            if (!TrainingCurves.write(Path.of(args[2]), filters, out.resolve(TrainingCurves.FILE))) {
                System.out.println("No preference-stage metrics.jsonl under " + args[2] + "; no training curves");
            }
        }
    }

    /**
     * Writes the charts of a run beside its {@code results.json}, for the end of a run: the result charts, and the
     * training curves when the run directory holds preference-stage metrics (otherwise one line says it is skipped).
     *
     * @param resultsJson the run's {@code results.json}
     * @param runDir the directory holding the stages' {@code metrics.jsonl} files, or null for none
     * @param filters stage filters as for {@link TrainingCurves#write}, possibly empty
     * @param log where skipped charts are reported
     */
    public static void writeBeside(Path resultsJson, Path runDir, List<String> filters, PrintStream log) {
        Path out = resultsJson.toAbsolutePath().getParent();
        writeResultCharts(resultsJson, out, log);
        if (runDir != null && !TrainingCurves.write(runDir, filters, out.resolve(TrainingCurves.FILE))) {
            log.println("No preference-stage metrics.jsonl under " + runDir + "; training-curves chart skipped");
        }
    }

    /**
     * Writes {@code accuracy.png} and, when any method has a per-class mistake rate, {@code mistake-rates.png}.
     *
     * @param resultsJson the {@code results.json} file
     * @param out the output directory
     * @param log where a skipped chart is reported
     * @throws IllegalArgumentException naming the file and field when the file does not have the expected shape
     * @throws AlloException if a file cannot be read or written
     */
    public static void writeResultCharts(Path resultsJson, Path out, PrintStream log) {
        System.setProperty("java.awt.headless", "true");
        List<MethodFigures> methods = read(resultsJson);
        ErrorBarRenderer accuracyBars = new ErrorBarRenderer();
        DefaultCategoryDataset accuracy = new DefaultCategoryDataset();
        for (MethodFigures m : methods) {
            add(accuracy, accuracyBars, "test accuracy", m.name(), m.testAccuracy());
        }
        LineChart.save(chart("Test accuracy per method (95% interval)", "test accuracy", accuracy, accuracyBars,
                false), out.resolve(ACCURACY), WIDTH, HEIGHT);
        ErrorBarRenderer classBars = new ErrorBarRenderer();
        DefaultCategoryDataset byClass = new DefaultCategoryDataset();
        for (MethodFigures m : methods) {
            m.mistakeRateByClass().forEach((c, v) -> add(byClass, classBars, c, m.name(), v));
        }
        if (byClass.getRowCount() == 0) {
            log.println(resultsJson + " has no per-class mistake rates; mistake-rates chart skipped");
            return;
        }
        LineChart.save(chart("Mistake rate per class and method (95% interval)", "mistake rate", byClass, classBars,
                true), out.resolve(MISTAKE_RATES), WIDTH, HEIGHT);
    }

    /**
     * Reads the per-method figures of a {@code results.json}.
     *
     * @param file the file
     * @return the methods in file order
     * @throws IllegalArgumentException naming the file and field when the file does not have the expected shape
     * @throws AlloException if the file cannot be read
     */
    static List<MethodFigures> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new AlloException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        JsonNode methods = root == null ? null : root.get("methods");
        if (methods == null || !methods.isArray() || methods.isEmpty()) {
            throw new IllegalArgumentException(file + ": expected a non-empty array 'methods', got " + methods);
        }
        List<MethodFigures> result = new ArrayList<>();
        for (int i = 0; i < methods.size(); i++) {
            JsonNode m = methods.get(i);
            String where = file + ": methods[" + i + "].";
            JsonNode name = m.get("name");
            if (name == null || !name.isTextual()) {
                throw new IllegalArgumentException(where + "name: expected a string, got " + name);
            }
            Map<String, double[]> classes = new LinkedHashMap<>();
            JsonNode byClass = m.get("mistake_rate_by_class");
            if (byClass != null && !byClass.isNull()) {
                if (!byClass.isObject()) {
                    throw new IllegalArgumentException(where + "mistake_rate_by_class: expected an object, got "
                            + byClass);
                }
                for (Iterator<String> it = byClass.fieldNames(); it.hasNext();) {
                    String c = it.next();
                    if (!c.endsWith("_ci")) {
                        classes.put(c, figure(byClass, c, where + "mistake_rate_by_class."));
                    }
                }
            }
            result.add(new MethodFigures(name.asText(), figure(m, "test_accuracy", where), classes));
        }
        return result;
    }

    /** {@code {value, low, high}} from {@code key} and {@code key_ci}; NaN for JSON null or an absent interval. */
    private static double[] figure(JsonNode o, String key, String where) {
        JsonNode v = o.get(key);
        if (v == null || !(v.isNumber() || v.isNull())) {
            throw new IllegalArgumentException(where + key + ": expected a number or null, got " + v);
        }
        double[] f = {v.isNull() ? Double.NaN : v.asDouble(), Double.NaN, Double.NaN};
        JsonNode ci = o.get(key + "_ci");
        if (ci != null && !ci.isNull()) {
            if (!ci.isArray() || ci.size() != 2 || !(ci.get(0).isNumber() || ci.get(0).isNull())
                    || !(ci.get(1).isNumber() || ci.get(1).isNull())) {
                throw new IllegalArgumentException(where + key + "_ci: expected [low, high] (numbers or nulls), got "
                        + ci);
            }
            f[1] = ci.get(0).isNull() ? Double.NaN : ci.get(0).asDouble();
            f[2] = ci.get(1).isNull() ? Double.NaN : ci.get(1).asDouble();
        }
        return f;
    }

    /** Adds a bar and its interval; a NaN value adds no bar. */
    private static void add(DefaultCategoryDataset data, ErrorBarRenderer bars, String row, String column,
            double[] figure) {
        if (Double.isNaN(figure[0])) {
            return;
        }
        data.addValue(figure[0], row, column);
        bars.interval(row, column, figure[1], figure[2]);
    }

    private static JFreeChart chart(String title, String valueLabel, DefaultCategoryDataset data,
            ErrorBarRenderer bars, boolean legend) {
        JFreeChart chart = ChartFactory.createBarChart(title, null, valueLabel, data, PlotOrientation.VERTICAL,
                legend, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setRenderer(bars);
        plot.getDomainAxis().setMaximumCategoryLabelLines(2); // "RPO (DPO+NLL)" wraps instead of "R..."
        plot.getRangeAxis().setLowerBound(0);
        plot.getRangeAxis().setUpperBound(Math.min(1.0, 1.1 * upper(data, bars)));
        return chart;
    }

    /** The largest value or interval end in the chart (so that no error bar is clipped). */
    private static double upper(DefaultCategoryDataset data, ErrorBarRenderer bars) {
        double max = 0;
        for (int r = 0; r < data.getRowCount(); r++) {
            for (int c = 0; c < data.getColumnCount(); c++) {
                Number v = data.getValue(r, c);
                if (v != null) {
                    max = Math.max(max, v.doubleValue());
                    double high = bars.high(String.valueOf(data.getRowKey(r)), String.valueOf(data.getColumnKey(c)));
                    max = Double.isNaN(high) ? max : Math.max(max, high);
                }
            }
        }
        return max > 0 ? max : 1.0;
    }
}
