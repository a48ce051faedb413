package dev.allo.impl.objective;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A running mean of a stream of values, {@code mean_n = mean_{n-1} + (x_n - mean_{n-1}) / n}, kept in double
 * precision on the host. Equals TRL's {@code RunningMoments.mean} for one value per update (TRL starts its count at
 * {@code 1e-24} instead of 0, a difference below double precision after the first update).
 */
final class RunningMean {

    static final String MEAN_KEY = "running_mean";
    static final String COUNT_KEY = "running_count";

    private double mean;
    private double count;

    /**
     * Adds one value.
     *
     * @param value the value, finite
     * @return the mean after the update
     */
    double update(double value) {
        count += 1;
        mean += (value - mean) / count;
        return mean;
    }

    /**
     * The state, for checkpoints.
     *
     * @return {@code running_mean} and {@code running_count}, one value each
     */
    Map<String, double[]> save() {
        Map<String, double[]> state = new LinkedHashMap<>();
        state.put(MEAN_KEY, new double[] {mean});
        state.put(COUNT_KEY, new double[] {count});
        return state;
    }

    /**
     * Restores a saved state.
     *
     * @param state a state from {@link #save()}
     * @throws IllegalArgumentException if a key is missing or extra, a value array does not hold exactly one value,
     *     the mean is not finite or the count is negative or not a whole number
     */
    void restore(Map<String, double[]> state) {
        if (!state.keySet().equals(Map.of(MEAN_KEY, 0, COUNT_KEY, 0).keySet())) {
            throw new IllegalArgumentException("BCO state must have exactly the keys [" + MEAN_KEY + ", " + COUNT_KEY
                    + "], got " + state.keySet());
        }
        double newMean = single(state, MEAN_KEY);
        double newCount = single(state, COUNT_KEY);
        if (!Double.isFinite(newMean)) {
            throw new IllegalArgumentException(MEAN_KEY + " must be finite, got " + newMean);
        }
        if (!(newCount >= 0) || newCount != Math.rint(newCount) || Double.isInfinite(newCount)) {
            throw new IllegalArgumentException(COUNT_KEY + " must be a whole number >= 0, got " + newCount);
        }
        mean = newMean;
        count = newCount;
    }

    private static double single(Map<String, double[]> state, String key) {
        double[] values = state.get(key);
        if (values == null || values.length != 1) {
            throw new IllegalArgumentException(key + " must hold exactly one value, got "
                    + (values == null ? "null" : values.length + " values"));
        }
        return values[0];
    }
}
