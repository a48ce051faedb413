package dev.allo.examples.ila;

/**
 * One fine-tuning run of one variant and seed.
 *
 * @param variant the variant's name ({@code full}, {@code ila-freeze}, {@code ila-top})
 * @param seed the seed
 * @param accuracy test accuracy, greedy generation graded by the answer checker
 * @param multiplyAccuracy test accuracy on the problems with a multiplication
 * @param otherAccuracy test accuracy on the problems without one
 * @param trainable parameters the optimiser may change (the mask's selected count)
 * @param total all parameters of the model
 * @param seconds wall time of the fine-tuning stage, evaluation excluded
 */
public record VariantRun(String variant, long seed, double accuracy, double multiplyAccuracy, double otherAccuracy,
        long trainable, long total, double seconds) {}
