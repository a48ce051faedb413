package dev.allo.optim;

/**
 * Global-norm gradient clipping over the <em>selected</em> gradients, as PyTorch's
 * {@code clip_grad_norm_(max_norm, norm_type=2)} applied to the masked gradient: with
 * {@code ||g||_2 = sqrt(sum over selected scalars of g_i^2)} over every tensor together, each selected gradient is
 * scaled by {@code c = min(1, maxNorm / (||g||_2 + 1e-6))} before the optimiser update. Unselected gradients neither
 * count towards the norm nor matter, since their weights do not move.
 *
 * @param maxNorm the largest allowed norm, positive; {@code +Infinity} disables clipping
 */
public record GradientClipping(double maxNorm) {
    /** PyTorch's guard against division by zero in {@code clip_grad_norm_}. */
    public static final double EPSILON = 1e-6;

    /**
     * Validates the norm.
     *
     * @param maxNorm the largest allowed norm, positive (or {@code +Infinity})
     */
    public GradientClipping {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
    }

    /**
     * No clipping.
     *
     * @return clipping with an infinite maximum norm
     */
    public static GradientClipping none() {
        return new GradientClipping(Double.POSITIVE_INFINITY);
    }

    /**
     * Clipping to a maximum global L2 norm (HF's {@code max_grad_norm}, 1.0 by default there).
     *
     * @param maxNorm the largest allowed norm, positive
     * @return the clipping config
     */
    public static GradientClipping maxNorm(double maxNorm) {
        return new GradientClipping(maxNorm);
    }

    /**
     * Whether clipping can change a gradient.
     *
     * @return false for {@link #none()}
     */
    public boolean isEnabled() {
        return maxNorm != Double.POSITIVE_INFINITY;
    }

    /**
     * The scale applied to every selected gradient: {@code min(1, maxNorm / (norm + 1e-6))}, or 1 when disabled.
     *
     * @param norm the global L2 norm of the selected gradients
     * @return the coefficient c, in [0, 1]
     */
    public double coefficient(double norm) {
        return isEnabled() ? Math.min(1.0, maxNorm / (norm + EPSILON)) : 1.0;
    }
}
