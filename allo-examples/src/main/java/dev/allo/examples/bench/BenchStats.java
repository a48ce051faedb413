package dev.allo.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Summary statistics and machine facts shared by the benchmark mains: median, mean, minimum, maximum, elapsed
 * seconds and the load average.
 */
public final class BenchStats {

    private BenchStats() {}

    /**
     * The median: the middle value of the sorted values, or the mean of the two middle values when their number is
     * even.
     *
     * @param values at least one value
     * @return the median
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public static double median(double[] values) {
        requireValues(values);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * The arithmetic mean {@code sum(values) / n}.
     *
     * @param values at least one value
     * @return the mean
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public static double mean(double[] values) {
        requireValues(values);
        return Arrays.stream(values).average().orElseThrow();
    }

    /**
     * The smallest value.
     *
     * @param values at least one value
     * @return the minimum
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public static double min(double[] values) {
        requireValues(values);
        return Arrays.stream(values).min().orElseThrow();
    }

    /**
     * The largest value.
     *
     * @param values at least one value
     * @return the maximum
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public static double max(double[] values) {
        requireValues(values);
        return Arrays.stream(values).max().orElseThrow();
    }

    /**
     * Seconds elapsed since a {@link System#nanoTime()} reading.
     *
     * @param startNanos the earlier reading
     * @return {@code (System.nanoTime() - startNanos) / 1e9}
     */
    public static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * The values separated by spaces, two decimals below 10 and none from 10 up (for per-round lists).
     *
     * @param values the values
     * @return the formatted list
     */
    public static String format(double[] values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.0f", v));
        }
        return b.toString();
    }

    /**
     * The machine's load average, as {@code /proc/loadavg} reads (1, 5 and 15 minutes, run queue, last process id),
     * or a note saying why it is unavailable. Other processes share the cores, so every benchmark prints it.
     *
     * @return the load average text
     */
    public static String loadAverage() {
        Path loadavg = Path.of("/proc/loadavg");
        if (!Files.exists(loadavg)) {
            return "unavailable (no /proc/loadavg)";
        }
        try {
            return Files.readString(loadavg).trim();
        } catch (IOException e) {
            return "unavailable (" + e.getMessage() + ")";
        }
    }

    private static void requireValues(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("values must hold at least one measurement, got none");
        }
    }
}
