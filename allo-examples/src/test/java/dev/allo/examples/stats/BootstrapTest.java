package dev.allo.examples.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap against closed-form cases (the normal interval of a Bernoulli mean, the two-stage bootstrap's
 * variance) and the permutation test against a plain exact enumeration of every sign assignment.
 */
class BootstrapTest {

    private static double[] bernoulli(int n, double p, Random random) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = random.nextDouble() < p ? 1 : 0;
        }
        return out;
    }

    @Test
    void oneSeedOfBernoulliOutcomesGivesTheNormalInterval() {
        double[][] values = {bernoulli(4000, 0.3, new Random(1))};
        Interval ci = new Bootstrap(20_000, 3).mean(values);
        double p = ci.mean();
        double half = 1.959964 * Math.sqrt(p * (1 - p) / 4000); // Wald interval, exact enough at n = 4000
        assertThat(ci.low()).isCloseTo(p - half, within(0.002));
        assertThat(ci.high()).isCloseTo(p + half, within(0.002));
    }

    @Test
    void twoStageIntervalHasTheClosedFormVariance() {
        // S seeds with different means; Var(mean*) = (tau^2 + mean sigma_s^2 / N) / S with population variances.
        Random random = new Random(5);
        int seeds = 5;
        int n = 400;
        double[][] values = new double[seeds][];
        double[] p = {0.2, 0.35, 0.5, 0.6, 0.8};
        for (int s = 0; s < seeds; s++) {
            values[s] = bernoulli(n, p[s], random);
        }
        double grand = 0;
        double[] m = new double[seeds];
        double withinVar = 0;
        for (int s = 0; s < seeds; s++) {
            for (double v : values[s]) {
                m[s] += v / n;
            }
            grand += m[s] / seeds;
            withinVar += m[s] * (1 - m[s]) / seeds; // population variance of 0/1 values
        }
        double tau2 = 0;
        for (double ms : m) {
            tau2 += (ms - grand) * (ms - grand) / seeds;
        }
        double sd = Math.sqrt((tau2 + withinVar / n) / seeds);
        Interval ci = new Bootstrap(20_000, 11).mean(values);
        assertThat(ci.mean()).isCloseTo(grand, within(1e-12));
        // The resampled means are a discrete mixture, not normal: compare the width with the normal one loosely.
        assertThat(ci.high() - ci.low()).isCloseTo(2 * 1.959964 * sd, within(0.15 * 2 * 1.959964 * sd));
    }

    @Test
    void constantOutcomesGiveADegenerateInterval() {
        Interval ci = new Bootstrap(500, 1).mean(new double[][] {{1, 1, 1}, {1, 1, 1}});
        assertThat(ci).isEqualTo(new Interval(1, 1, 1));
    }

    @Test
    void raggedSeedsPoolEveryValue() {
        Interval ci = new Bootstrap(500, 1).mean(new double[][] {{1, 0, 0}, {1}});
        assertThat(ci.mean()).isCloseTo(0.5, within(1e-12));
        assertThat(ci.low()).isGreaterThanOrEqualTo(0.0);
        assertThat(ci.high()).isLessThanOrEqualTo(1.0);
    }

    @Test
    void signFlipPValueMatchesExactEnumeration() {
        double[] d = {1, 1, 1, 1, 1, 1, 1, 1, -1, 0, 1, -1};
        double exact = exactSignFlip(d);
        double mc = new Bootstrap(40_000, 7).signFlipPValue(new double[][] {d});
        assertThat(mc).isCloseTo(exact, within(0.01)); // Monte Carlo sd sqrt(p(1-p)/R) ~ 0.0017
    }

    @Test
    void signFlipPValueMatchesExactEnumerationAcrossSeeds() {
        double[][] d = {{1, 0, 1, 1, -1}, {1, 1, 0, 1, 1}};
        double exact = exactSignFlip(new double[] {1, 0, 1, 1, -1, 1, 1, 0, 1, 1});
        assertThat(new Bootstrap(40_000, 9).signFlipPValue(d)).isCloseTo(exact, within(0.01));
    }

    @Test
    void noDifferenceGivesPValueOne() {
        assertThat(new Bootstrap(1000, 1).signFlipPValue(new double[][] {{0, 0, 0, 0}})).isEqualTo(1.0);
    }

    @Test
    void compareIsTheIntervalOfTheDifferences() {
        double[][] a = {{1, 1, 0, 1, 1, 0, 1, 1}, {1, 0, 1, 1, 1, 1, 0, 1}};
        double[][] b = {{0, 1, 0, 0, 1, 0, 0, 1}, {1, 0, 0, 0, 1, 0, 0, 1}};
        double[][] d = new double[2][8];
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 8; i++) {
                d[s][i] = a[s][i] - b[s][i];
            }
        }
        Bootstrap bootstrap = new Bootstrap(2000, 4);
        Comparison c = bootstrap.compare(a, b);
        assertThat(c.difference()).isEqualTo(bootstrap.mean(d));
        assertThat(c.difference().mean()).isCloseTo((12.0 - 6.0) / 16, within(1e-12)); // sums 12 and 6;
        assertThat(c.pValue()).isEqualTo(bootstrap.signFlipPValue(d));
    }

    @Test
    void percentileInterpolatesBetweenOrderStatistics() {
        double[] sorted = {1, 2, 3, 4, 5};
        assertThat(Bootstrap.percentile(sorted, 0.0)).isEqualTo(1.0);
        assertThat(Bootstrap.percentile(sorted, 1.0)).isEqualTo(5.0);
        assertThat(Bootstrap.percentile(sorted, 0.5)).isEqualTo(3.0);
        assertThat(Bootstrap.percentile(sorted, 0.1)).isCloseTo(1.4, within(1e-12)); // h = 0.4
    }

    @Test
    void deterministicForASeed() {
        double[][] v = {bernoulli(50, 0.5, new Random(2))};
        assertThat(new Bootstrap(1000, 3).mean(v)).isEqualTo(new Bootstrap(1000, 3).mean(v));
    }

    @Test
    void badInputIsRefusedByName() {
        Bootstrap b = new Bootstrap(100, 1);
        assertThatThrownBy(() -> new Bootstrap(10, 1)).hasMessageContaining("resamples must be >= 100, got 10");
        assertThatThrownBy(() -> b.mean(new double[][] {{1}, {}})).hasMessageContaining("values[1] must hold at"
                + " least one value");
        assertThatThrownBy(() -> b.mean(new double[][] {{1, Double.NaN}})).hasMessageContaining(
                "values[0][1] must be finite, got NaN");
        assertThatThrownBy(() -> b.compare(new double[][] {{1, 0}}, new double[][] {{1}})).hasMessageContaining(
                "same shape");
        assertThatThrownBy(() -> b.compare(new double[][] {{1, 0}, {1}}, new double[][] {{1, 0}, {1}}))
                .hasMessageContaining("a[1] must hold 2 problems");
    }

    /** Plain reference: the share of all 2^n sign assignments whose |sum| reaches the observed |sum|. */
    private static double exactSignFlip(double[] d) {
        double observed = 0;
        for (double v : d) {
            observed += v;
        }
        observed = Math.abs(observed);
        int n = d.length;
        long atLeast = 0;
        for (long mask = 0; mask < (1L << n); mask++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += ((mask >> i) & 1) == 1 ? d[i] : -d[i];
            }
            if (Math.abs(sum) >= observed - 1e-9) {
                atLeast++;
            }
        }
        return atLeast / (double) (1L << n);
    }
}
