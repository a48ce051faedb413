package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Worked examples of greedy and temperature/top-p token choice. */
class NextTokenSamplerTest {
    private static final int ROWS = 20000;
    private static final float[] LOGITS = {2, 1, 0, -1};

    /** Draws one token for each of ROWS identical rows and returns the frequency of each token. */
    private static double[] frequencies(GenerationConfig config) {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] tiled = new float[ROWS * LOGITS.length];
            for (int r = 0; r < ROWS; r++) {
                System.arraycopy(LOGITS, 0, tiled, r * LOGITS.length, LOGITS.length);
            }
            NDArray logits = m.create(tiled, new Shape(ROWS, LOGITS.length));
            long[] tokens = new NextTokenSampler(config).next(logits);
            int[] counts = new int[LOGITS.length];
            for (long t : tokens) {
                counts[(int) t]++;
            }
            double[] freq = new double[LOGITS.length];
            for (int i = 0; i < freq.length; i++) {
                freq[i] = counts[i] / (double) ROWS;
            }
            return freq;
        }
    }

    private static double[] softmax(double temperature, int keep) {
        double[] p = new double[LOGITS.length];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(LOGITS[i] / temperature);
            total += p[i];
        }
        for (int i = 0; i < keep; i++) {
            p[i] /= total;
        }
        return p;
    }

    @Test
    void greedyPicksTheLargestLogit() {
        assertThat(frequencies(GenerationConfig.greedy(1))).containsExactly(new double[] {1, 0, 0, 0}, within(0.0));
    }

    @Test
    void temperatureSamplingFollowsTheSoftmaxOfScaledLogits() {
        // 20000 draws: the standard error of a frequency is below 0.0035.
        assertThat(frequencies(GenerationConfig.sampling(1, 1.0, 1.0, 11)))
                .containsExactly(softmax(1.0, 4), within(0.015));
        assertThat(frequencies(GenerationConfig.sampling(1, 2.0, 1.0, 12)))
                .containsExactly(softmax(2.0, 4), within(0.015));
    }

    @Test
    void topPKeepsTheSmallestPrefixWhoseMassBeforeEachTokenIsBelowP() {
        // softmax(2, 1, 0, -1) = (0.644, 0.237, 0.087, 0.032): mass before each = (0, 0.644, 0.881, 0.968).
        assertThat(frequencies(GenerationConfig.sampling(1, 1.0, 0.8, 13)))
                .containsExactly(softmax(1.0, 2), within(0.015));
        assertThat(frequencies(GenerationConfig.sampling(1, 1.0, 0.9, 14)))
                .containsExactly(softmax(1.0, 3), within(0.015));
        assertThat(frequencies(GenerationConfig.sampling(1, 1.0, 0.5, 15)))
                .containsExactly(new double[] {1, 0, 0, 0}, within(0.0));
    }

    @Test
    void aTinyTemperatureSamplesTheArgmaxWithoutOverflow() {
        assertThat(frequencies(GenerationConfig.sampling(1, 1e-30, 1.0, 16)))
                .containsExactly(new double[] {1, 0, 0, 0}, within(0.0));
    }

    @Test
    void theSameSeedDrawsTheSameTokens() {
        assertThat(frequencies(GenerationConfig.sampling(1, 1.0, 1.0, 99)))
                .containsExactly(frequencies(GenerationConfig.sampling(1, 1.0, 1.0, 99)));
    }
}
