/**
 * Statistics of the examples' experiments: bootstrap confidence intervals over problems and seeds, and paired
 * comparisons of two methods with a sign-flip permutation test.
 */
package dev.allo.examples.stats;
