package dev.allo.examples.ila;

/**
 * Mean and spread of a measurement over seeds: {@code mean = (1/n) sum x_i}, sample standard deviation
 * {@code sd = sqrt(sum (x_i - mean)^2 / (n - 1))} (0 for {@code n = 1}), minimum and maximum.
 *
 * @param n the number of values
 * @param mean the mean
 * @param sd the sample standard deviation
 * @param min the smallest value
 * @param max the largest value
 */
public record Spread(int n, double mean, double sd, double min, double max) {

    /**
     * The spread of some values.
     *
     * @param values at least one finite value
     * @return the spread
     * @throws IllegalArgumentException if there are no values or one is not finite
     */
    public static Spread of(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("a spread needs at least one value, got none");
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("value " + i + " must be finite, got " + values[i]);
            }
            sum += values[i];
            min = Math.min(min, values[i]);
            max = Math.max(max, values[i]);
        }
        double mean = sum / values.length;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double sd = values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0;
        return new Spread(values.length, mean, sd, min, max);
    }
}
