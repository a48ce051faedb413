package dev.allo.impl.report;

/**
 * A chart axis fitted to the data, with "nice" tick marks (1, 2 or 5 times a power of ten; Heckbert, "Nice
 * Numbers for Graph Labels", Graphics Gems, 1990): the tick is {@code nice(nice(max - min) / (ticks - 1))} and the
 * bounds are the multiples of the tick just outside the data. The axis does not start at 0 unless the data come
 * near it, so a DPO loss going from 0.693 to 0.670 fills the chart instead of lying flat at its top.
 *
 * @param lower the axis's lower bound, {@code <= min}
 * @param upper the axis's upper bound, {@code >= max}
 * @param tick the distance between tick marks, {@code > 0}
 */
public record AxisRange(double lower, double upper, double tick) {

    /**
     * Fits an axis to the data's range.
     *
     * @param min the smallest finite value
     * @param max the largest finite value, {@code >= min}
     * @param ticks the wanted number of tick marks, at least 2
     * @return the axis; for {@code min == max} one spanning {@code 10%} of the value (or 1 when it is 0) around it
     * @throws IllegalArgumentException if a bound is not finite or {@code max < min}
     */
    public static AxisRange fit(double min, double max, int ticks) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || max < min) {
            throw new IllegalArgumentException("axis bounds must be finite with min <= max, got [" + min + ", " + max
                    + "]");
        }
        if (ticks < 2) {
            throw new IllegalArgumentException("ticks must be >= 2, got " + ticks);
        }
        if (max == min) {
            double pad = min == 0 ? 0.5 : Math.abs(min) * 0.05;
            min -= pad;
            max += pad;
        }
        double tick = nice(nice(max - min, false) / (ticks - 1), true);
        double lower = Math.floor(min / tick) * tick;
        double upper = Math.ceil(max / tick) * tick;
        if (lower > min) { // rounding of min / tick
            lower -= tick;
        }
        if (upper < max) {
            upper += tick;
        }
        return new AxisRange(lower, upper, tick);
    }

    /** The nice number near {@code x}: 1, 2, 5 or 10 times a power of ten, rounded or the next one up. */
    private static double nice(double x, boolean round) {
        double exponent = Math.floor(Math.log10(x));
        double power = Math.pow(10, exponent);
        double fraction = x / power;
        double nice;
        if (round) {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        }
        return nice * power;
    }

    /**
     * Where a value lies on the axis.
     *
     * @param value the value
     * @return {@code (value - lower) / (upper - lower)}, 0 at the lower bound and 1 at the upper
     */
    public double fraction(double value) {
        return (value - lower) / (upper - lower);
    }
}
