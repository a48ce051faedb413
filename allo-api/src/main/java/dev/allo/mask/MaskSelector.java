package dev.allo.mask;

import dev.allo.importance.ImportanceScores;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * Turns importance scores into a {@link NeuronMask} (ALLO Sec. 4.1: "rank all the neurons and select the most
 * important ones"). Stock selectors come from the static factories:
 *
 * <ul>
 *   <li>{@link #globalTopK(double)}: the exact global top-k fraction over every included tensor (the paper's
 *       default; {@code N1} with k1, {@code N2} with k2);
 *   <li>{@link #perTensorTopK(double)}: the top-k fraction of each included tensor separately;
 *   <li>{@link #lastK(double)}: the global last-k fraction, the smallest scores (the paper's ablation, Fig. 1);
 *   <li>{@link #random(double, long)}: a uniformly random subset of the same size (ablation baseline).
 * </ul>
 *
 * <p><b>Count.</b> Over {@code n} included scalars a selector with ratio {@code k} selects exactly
 * {@code ceil(k * n)} scalars (per tensor for {@link #perTensorTopK}), see {@link #selectionCount(double, long)}.
 *
 * <p><b>Ties.</b> Selection is exact and reproducible: scalars are ranked by score (highest first for top-k, lowest
 * first for last-k), and equal scores are ranked by position, the lower (tensor order, flat row-major index) first.
 * Scores compare numerically, so {@code -0.0} ties with {@code 0.0}. NaN scores are rejected.
 *
 * <p><b>Tensors.</b> A {@link TensorFilter} restricts which tensors may be selected from; the mask still covers
 * every scored tensor, excluded ones with nothing selected. Every filter pattern must match a tensor.
 */
@FunctionalInterface
public interface MaskSelector {

    /**
     * Selects the key neurons.
     *
     * @param scores importance scores of every parameter tensor
     * @return a mask over every scored tensor, in score order
     * @throws IllegalArgumentException if a filter pattern matches no tensor, or a score is NaN (naming the tensor)
     */
    NeuronMask select(ImportanceScores scores);

    /**
     * The exact global top-k fraction over all tensors.
     *
     * @param ratio the fraction k in (0, 1]
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector globalTopK(double ratio) {
        return globalTopK(ratio, TensorFilter.all());
    }

    /**
     * The exact global top-k fraction over the tensors a filter includes.
     *
     * @param ratio the fraction k in (0, 1]
     * @param filter which tensors may be selected from
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector globalTopK(double ratio, TensorFilter filter) {
        return new ScoreRankSelector(checkRatio(ratio), Objects.requireNonNull(filter, "filter"), false, true);
    }

    /**
     * The top-k fraction of each tensor separately: {@code ceil(k * n_t)} scalars of each tensor {@code t}.
     *
     * @param ratio the fraction k in (0, 1]
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector perTensorTopK(double ratio) {
        return perTensorTopK(ratio, TensorFilter.all());
    }

    /**
     * The top-k fraction of each included tensor separately.
     *
     * @param ratio the fraction k in (0, 1]
     * @param filter which tensors may be selected from
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector perTensorTopK(double ratio, TensorFilter filter) {
        return new ScoreRankSelector(checkRatio(ratio), Objects.requireNonNull(filter, "filter"), true, true);
    }

    /**
     * The exact global last-k fraction: the {@code ceil(k * n)} lowest scores (the paper's ablation).
     *
     * @param ratio the fraction k in (0, 1]
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector lastK(double ratio) {
        return lastK(ratio, TensorFilter.all());
    }

    /**
     * The exact global last-k fraction over the tensors a filter includes.
     *
     * @param ratio the fraction k in (0, 1]
     * @param filter which tensors may be selected from
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector lastK(double ratio, TensorFilter filter) {
        return new ScoreRankSelector(checkRatio(ratio), Objects.requireNonNull(filter, "filter"), false, false);
    }

    /**
     * A uniformly random subset of exactly {@code ceil(k * n)} scalars over all tensors; the scores' values are
     * ignored. The same seed and tensor shapes give the same mask on every device and engine.
     *
     * @param ratio the fraction k in (0, 1]
     * @param seed the random seed
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector random(double ratio, long seed) {
        return random(ratio, seed, TensorFilter.all());
    }

    /**
     * A uniformly random subset of exactly {@code ceil(k * n)} scalars over the tensors a filter includes.
     *
     * @param ratio the fraction k in (0, 1]
     * @param seed the random seed
     * @param filter which tensors may be selected from
     * @return the selector
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     */
    static MaskSelector random(double ratio, long seed, TensorFilter filter) {
        return new RandomSelector(checkRatio(ratio), seed, Objects.requireNonNull(filter, "filter"));
    }

    /**
     * The number of scalars a ratio selects out of {@code n}: {@code ceil(ratio * n)}, computed exactly on the
     * ratio's shortest decimal representation ({@link Double#toString(double)}), so {@code 0.3} of 10 is 3, not 4
     * as binary floating point would give.
     *
     * @param ratio the fraction in (0, 1]
     * @param n the number of candidate scalars, at least 0
     * @return {@code ceil(ratio * n)}, in {@code [min(1, n), n]}
     * @throws IllegalArgumentException if the ratio is outside (0, 1] or n is negative
     */
    static long selectionCount(double ratio, long n) {
        checkRatio(ratio);
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        return new BigDecimal(Double.toString(ratio)).multiply(BigDecimal.valueOf(n))
                .setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static double checkRatio(double ratio) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("ratio must be in (0, 1], got " + ratio);
        }
        return ratio;
    }
}
