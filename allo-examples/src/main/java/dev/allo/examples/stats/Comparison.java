package dev.allo.examples.stats;

/**
 * A paired comparison of two methods on the same seeds and problems.
 *
 * @param difference the mean of {@code a - b} with its bootstrap interval
 * @param pValue the two-sided p-value of the sign-flip permutation test of "no difference"
 */
public record Comparison(Interval difference, double pValue) {}
