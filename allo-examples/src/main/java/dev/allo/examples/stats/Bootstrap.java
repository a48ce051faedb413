package dev.allo.examples.stats;

import java.util.Arrays;
import java.util.Random;

/**
 * Bootstrap intervals and permutation tests for outcomes laid out as {@code [seed][problem]} (e.g. 1 for a right
 * answer, 0 for a wrong one). Every seed must have the same number of problems.
 *
 * <p><b>Interval</b> (two-stage, or hierarchical, bootstrap): each resample draws {@code S} seeds with replacement,
 * then, for each drawn seed, {@code N} of its problems with replacement, and takes the mean of the drawn values; the
 * interval is the {@code alpha/2} and {@code 1 - alpha/2} percentiles of the resampled means (the percentile method,
 * Efron and Tibshirani 1993, Sec. 13.3). Both sources of variation (which problems were drawn, which seed the
 * training ran with) widen it. With one seed it is the ordinary bootstrap over problems.
 *
 * <p><b>Paired comparison</b>: the same on the differences {@code a[s][i] - b[s][i]} of two methods evaluated on the
 * same seed's same problem, and a p-value from the sign-flip permutation test: under "no difference" each paired
 * difference is as likely to have either sign, so {@code p = (1 + #{|mean of randomly signed differences| >= |observed
 * mean|}) / (1 + R)} over {@code R} random sign assignments (a valid Monte Carlo p-value, never 0).
 *
 * <p>Deterministic: the same inputs and seed give the same results.
 */
public final class Bootstrap {
    /** Resamples by default. */
    public static final int DEFAULT_RESAMPLES = 10_000;

    private final int resamples;
    private final long seed;

    /**
     * A bootstrap.
     *
     * @param resamples the number of resamples (and of random sign assignments), at least 100
     * @param seed the seed of the resampling
     */
    public Bootstrap(int resamples, long seed) {
        if (resamples < 100) {
            throw new IllegalArgumentException("resamples must be >= 100, got " + resamples);
        }
        this.resamples = resamples;
        this.seed = seed;
    }

    /**
     * The mean with its 95% interval.
     *
     * @param values {@code [seed][problem]} outcomes
     * @return the interval
     */
    public Interval mean(double[][] values) {
        return mean(values, 0.05);
    }

    /**
     * The mean with its {@code 1 - alpha} interval. Seeds may hold different numbers of values (e.g. the problems
     * a mistake class applies to); the mean is then pooled over every value.
     *
     * @param values {@code [seed][problem]} outcomes, every seed with at least one
     * @param alpha the error rate, in {@code (0, 1)}
     * @return the interval
     */
    public Interval mean(double[][] values, double alpha) {
        checkRagged(values, "values");
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        int seeds = values.length;
        Random random = new Random(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            long count = 0;
            for (int s = 0; s < seeds; s++) {
                double[] row = values[random.nextInt(seeds)];
                for (int i = 0; i < row.length; i++) {
                    sum += row[random.nextInt(row.length)];
                }
                count += row.length;
            }
            means[r] = sum / count;
        }
        Arrays.sort(means);
        return new Interval(plainMean(values), percentile(means, alpha / 2), percentile(means, 1 - alpha / 2));
    }

    /**
     * Compares two methods evaluated on the same seeds and problems.
     *
     * @param a {@code [seed][problem]} outcomes of the first method
     * @param b the second method's, same shape
     * @return the mean of {@code a - b} with its 95% interval, and the permutation p-value
     */
    public Comparison compare(double[][] a, double[][] b) {
        check(a, "a");
        check(b, "b");
        if (a.length != b.length || a[0].length != b[0].length) {
            throw new IllegalArgumentException("a and b must have the same shape, got " + a.length + "x"
                    + a[0].length + " and " + b.length + "x" + b[0].length);
        }
        double[][] d = new double[a.length][a[0].length];
        for (int s = 0; s < a.length; s++) {
            for (int i = 0; i < a[s].length; i++) {
                d[s][i] = a[s][i] - b[s][i];
            }
        }
        return new Comparison(mean(d), signFlipPValue(d));
    }

    /**
     * The two-sided sign-flip permutation p-value of "the paired differences have mean 0".
     *
     * @param differences {@code [seed][problem]} paired differences
     * @return the Monte Carlo p-value, in {@code (0, 1]}
     */
    public double signFlipPValue(double[][] differences) {
        check(differences, "differences");
        double observed = Math.abs(plainSum(differences));
        double tolerance = 1e-9 * Math.max(1, observed);
        Random random = new Random(seed ^ 0x5DEECE66DL);
        int atLeast = 0;
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (double[] row : differences) {
                for (double v : row) {
                    sum += random.nextBoolean() ? v : -v;
                }
            }
            if (Math.abs(sum) >= observed - tolerance) {
                atLeast++;
            }
        }
        return (1.0 + atLeast) / (1.0 + resamples);
    }

    /** The {@code q}-quantile of sorted values, by linear interpolation between order statistics (type 7). */
    static double percentile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double plainMean(double[][] values) {
        long count = 0;
        for (double[] row : values) {
            count += row.length;
        }
        return plainSum(values) / count;
    }

    private static double plainSum(double[][] values) {
        double sum = 0;
        for (double[] row : values) {
            for (double v : row) {
                sum += v;
            }
        }
        return sum;
    }

    private static void check(double[][] values, String name) {
        checkRagged(values, name);
        for (int s = 0; s < values.length; s++) {
            if (values[s].length != values[0].length) {
                throw new IllegalArgumentException(name + "[" + s + "] must hold " + values[0].length
                        + " problems like " + name + "[0], got " + values[s].length);
            }
        }
    }

    private static void checkRagged(double[][] values, String name) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException(name + " must hold at least one seed");
        }
        for (int s = 0; s < values.length; s++) {
            if (values[s] == null || values[s].length == 0) {
                throw new IllegalArgumentException(name + "[" + s + "] must hold at least one value, got "
                        + (values[s] == null ? "null" : "none"));
            }
            for (int i = 0; i < values[s].length; i++) {
                if (!Double.isFinite(values[s][i])) {
                    throw new IllegalArgumentException(name + "[" + s + "][" + i + "] must be finite, got "
                            + values[s][i]);
                }
            }
        }
    }
}
