package dev.allo.impl.report;

import dev.allo.AlloException;
import dev.allo.io.ChecksummedFile;
import dev.allo.train.StepMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A stage's logged rows as CSV ({@code metrics.csv}, RFC 4180): a header, then one row per logging step. The
 * columns are {@code step}, {@code epoch}, then every other metric in the order it first appeared. A metric that
 * first appears in a later row adds a column at the end: the file is rewritten atomically (temporary file, then
 * rename) with the longer header, the earlier rows getting an empty cell there, as does any row without a value for
 * a column. Values are written with {@link Double#toString}, which reads back to the same double ({@code NaN},
 * {@code Infinity}, {@code -Infinity} for non-finite ones).
 *
 * <p>Kill- and resume-safe like {@code JsonLinesLog}: opening it at step {@code k} (the resumed checkpoint's step,
 * -1 for a fresh start) rewrites the file, atomically, keeping the header and the complete rows of steps at most
 * {@code k}; a row cut short by a kill (no final newline) is dropped. Rows are then appended and flushed one by one.
 */
public final class CsvMetricsLog implements MetricsSink {
    private static final String STEP = StepMetrics.STEP;
    private static final String EPOCH = StepMetrics.EPOCH;

    private final Path file;
    private final List<String> columns;
    private final long lastStep;
    private BufferedWriter writer;

    private CsvMetricsLog(Path file, List<String> columns, long lastStep) throws IOException {
        this.file = file;
        this.columns = columns;
        this.lastStep = lastStep;
        this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * Opens the file, keeping the header and the complete rows of steps {@code <= keepThroughStep}.
     *
     * @param file the CSV file; created with its directory if missing
     * @param keepThroughStep rows of later steps are dropped; -1 starts the file anew
     * @return the open log
     * @throws AlloException naming the file and line if a kept line's first cell is not a step number, or the
     *     file cannot be rewritten
     */
    public static CsvMetricsLog open(Path file, long keepThroughStep) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            List<String> columns = new ArrayList<>();
            List<String> rows = new ArrayList<>();
            long last = 0;
            if (keepThroughStep >= 0 && Files.exists(file)) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                String[] lines = text.split("\n", -1); // the last element is what follows the last newline
                for (int i = 0; i < lines.length - 1; i++) {
                    if (i == 0) {
                        columns.addAll(parseHeader(lines[0]));
                        continue;
                    }
                    long step = step(file, i + 1, lines[i]);
                    if (step <= keepThroughStep) {
                        rows.add(lines[i]);
                        last = step;
                    }
                }
            }
            List<String> header = List.copyOf(columns);
            ChecksummedFile.writeAtomically(file, "metrics CSV", out -> {
                if (!header.isEmpty()) {
                    out.write((headerLine(header) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                for (String row : rows) {
                    out.write((row + "\n").getBytes(StandardCharsets.UTF_8));
                }
            });
            return new CsvMetricsLog(file, columns, last);
        } catch (IOException e) {
            throw new AlloException("Cannot open metrics CSV " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long lastStep() {
        return lastStep;
    }

    /**
     * The columns in order.
     *
     * @return the header's names
     */
    public List<String> columns() {
        return List.copyOf(columns);
    }

    @Override
    public void append(StepMetrics row) {
        try {
            boolean first = columns.isEmpty();
            if (first) {
                columns.add(STEP);
                columns.add(EPOCH);
            }
            int before = columns.size();
            for (String name : row.metrics().keySet()) {
                if (!columns.contains(name)) {
                    columns.add(name);
                }
            }
            if (first) {
                writer.write(headerLine(columns));
                writer.write('\n');
            } else if (columns.size() > before) {
                widen(columns.size() - before);
            }
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                String c = columns.get(i);
                Double v = row.metrics().get(c);
                if (c.equals(STEP)) {
                    line.append(row.step());
                } else if (c.equals(EPOCH)) {
                    line.append(row.epoch());
                } else if (v != null) {
                    line.append(v);
                }
            }
            writer.write(line.append('\n').toString());
            writer.flush();
        } catch (IOException e) {
            throw new AlloException("Cannot write metrics CSV " + file + ": " + e.getMessage(), e);
        }
    }

    /** Rewrites the file with the current (longer) header, padding every row with {@code added} empty cells. */
    private void widen(int added) throws IOException {
        writer.close();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String pad = ",".repeat(added);
        String header = headerLine(columns);
        ChecksummedFile.writeAtomically(file, "metrics CSV", out -> {
            out.write((header + "\n").getBytes(StandardCharsets.UTF_8));
            for (int i = 1; i < lines.size(); i++) {
                out.write((lines.get(i) + pad + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
        writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new AlloException("Cannot close metrics CSV " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * One header or row cell, quoted when it holds a comma, quote or line break (RFC 4180).
     *
     * @param cell the text
     * @return the cell
     */
    static String quote(String cell) {
        if (cell.contains(",") || cell.contains("\"") || cell.contains("\n") || cell.contains("\r")) {
            return "\"" + cell.replace("\"", "\"\"") + "\"";
        }
        return cell;
    }

    private static String headerLine(List<String> columns) {
        List<String> cells = new ArrayList<>();
        columns.forEach(c -> cells.add(quote(c)));
        return String.join(",", cells);
    }

    /** The header's names (RFC 4180 quoting undone). */
    static List<String> parseHeader(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }

    private static long step(Path file, int number, String line) {
        int comma = line.indexOf(',');
        String cell = comma < 0 ? line : line.substring(0, comma);
        try {
            return Long.parseLong(cell);
        } catch (NumberFormatException e) {
            throw new AlloException("metrics CSV " + file + " line " + number + " does not start with a step number: '"
                    + cell + "'");
        }
    }
}
