package dev.allo.optim;

/**
 * What one {@link MaskedOptimizer#step} did, for logging.
 *
 * @param step the 1-based number of this step (the step count after it)
 * @param learningRate the learning rate the step used, {@code lr * schedule.multiplier(step - 1)}
 * @param gradientNorm the global L2 norm of the selected gradients before clipping
 * @param clipCoefficient the scale applied to the selected gradients, 1 when not clipped
 */
public record StepResult(long step, double learningRate, double gradientNorm, double clipCoefficient) {}
