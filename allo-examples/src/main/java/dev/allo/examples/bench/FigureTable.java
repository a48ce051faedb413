package dev.allo.examples.bench;

import java.util.List;

/** Renders benchmark figures as one Markdown table: benchmark, figure, measured, target, met. */
public final class FigureTable {

    private FigureTable() {}

    /**
     * The Markdown table of {@code figures}, one row each in the given order; the met column reads {@code yes},
     * {@code no} or {@code -} (no target). Pipes inside texts are escaped.
     *
     * @param figures the figures
     * @return the table, each line ending with a newline
     */
    public static String markdown(List<BenchmarkFigure> figures) {
        StringBuilder b = new StringBuilder("| benchmark | figure | measured | target | met |\n|---|---|---|---|---|\n");
        for (BenchmarkFigure f : figures) {
            String met = switch (f.verdict()) {
                case MET -> "yes";
                case NOT_MET -> "no";
                case NO_TARGET -> "-";
            };
            b.append("| ").append(cell(f.benchmark())).append(" | ").append(cell(f.figure())).append(" | ")
                    .append(cell(f.measuredText())).append(" | ").append(cell(f.target())).append(" | ").append(met)
                    .append(" |\n");
        }
        return b.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
