package dev.allo.examples.stats;

import java.util.Locale;

/**
 * A point estimate with a two-sided confidence interval.
 *
 * @param mean the estimate (the plain mean over every seed and problem)
 * @param low the interval's lower end
 * @param high the interval's upper end
 */
public record Interval(double mean, double low, double high) {

    /**
     * As a percentage with its interval, e.g. {@code "62.3 [58.1, 66.0]"}.
     *
     * @return the text
     */
    public String percent() {
        return Double.isNaN(mean) ? "-"
                : String.format(Locale.ROOT, "%.1f [%.1f, %.1f]", 100 * mean, 100 * low, 100 * high);
    }

    /**
     * Whether the interval leaves out a value.
     *
     * @param value the value, e.g. 0 for a difference
     * @return true when {@code value < low} or {@code value > high}
     */
    public boolean excludes(double value) {
        return value < low || value > high;
    }
}
