package dev.allo.examples.bench;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;

/**
 * One key figure of a benchmark run: what was measured, its value and unit, and the target it is held against.
 *
 * @param benchmark the benchmark that measured it, e.g. {@code "optimizer"}
 * @param figure what the value is, e.g. {@code "SparseAdamW / dense masked, uniform 10% mask (medians)"}
 * @param measured the measured value, in {@code unit}
 * @param unit the unit, e.g. {@code "s"}, {@code "%"}, {@code "x"}
 * @param target the target as text, e.g. {@code "<= 0.25 x"}, or {@code "-"} for a figure without one
 * @param verdict whether the target is met
 */
public record BenchmarkFigure(String benchmark, String figure, double measured, String unit, String target,
        Verdict verdict) {

    /** Whether a figure meets its target. */
    public enum Verdict {
        /** The measured value meets the target. */
        MET,
        /** The measured value misses the target. */
        NOT_MET,
        /** The figure has no target (context for other figures). */
        NO_TARGET
    }

    /** How a measured value is compared with its bound. */
    public enum Comparison {
        /** {@code measured >= bound}. */
        AT_LEAST(">="),
        /** {@code measured <= bound}. */
        AT_MOST("<="),
        /** {@code measured < bound}. */
        BELOW("<");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        boolean holds(double measured, double bound) {
            return switch (this) {
                case AT_LEAST -> measured >= bound;
                case AT_MOST -> measured <= bound;
                case BELOW -> measured < bound;
            };
        }
    }

    /**
     * Validates the fields.
     *
     * @throws NullPointerException if a text field or the verdict is null
     */
    public BenchmarkFigure {
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(figure, "figure");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(verdict, "verdict");
    }

    /**
     * A figure held against a bound: the target reads {@code "<symbol> <bound> <unit>"} (e.g. {@code "<= 0.25 x"}) and the verdict is
     * {@link Verdict#MET} when the comparison holds (a NaN measurement never meets it).
     *
     * @param benchmark the benchmark
     * @param figure what the value is
     * @param measured the measured value
     * @param unit the unit of the value and the bound
     * @param comparison how the value must compare with the bound
     * @param bound the bound
     * @return the figure
     */
    public static BenchmarkFigure checked(String benchmark, String figure, double measured, String unit,
            Comparison comparison, double bound) {
        String target = comparison.symbol + " " + boundText(bound) + " " + unit;
        return new BenchmarkFigure(benchmark, figure, measured, unit, target,
                comparison.holds(measured, bound) ? Verdict.MET : Verdict.NOT_MET);
    }

    /**
     * A figure without a target, reported as context.
     *
     * @param benchmark the benchmark
     * @param figure what the value is
     * @param measured the measured value
     * @param unit the unit
     * @return the figure
     */
    public static BenchmarkFigure informational(String benchmark, String figure, double measured, String unit) {
        return new BenchmarkFigure(benchmark, figure, measured, unit, "-", Verdict.NO_TARGET);
    }

    /**
     * The measured value with its unit: no decimals from 1000 up (with thousands separators), one from 10 up,
     * three below 10.
     *
     * @return e.g. {@code "0.213 s"}, {@code "31,245 pairs/s"}
     */
    public String measuredText() {
        return number(measured) + " " + unit;
    }

    /** A bound as written in a target: no trailing zeros ({@code 1}, {@code 0.25}, {@code 20,000}). */
    private static String boundText(double bound) {
        if (bound == Math.rint(bound)) {
            return String.format(Locale.ROOT, "%,.0f", bound);
        }
        return new BigDecimal(String.format(Locale.ROOT, "%.6f", bound)).stripTrailingZeros().toPlainString();
    }

    private static String number(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 1000 ? "%,.0f" : a >= 10 ? "%.1f" : "%.3f", v);
    }
}
