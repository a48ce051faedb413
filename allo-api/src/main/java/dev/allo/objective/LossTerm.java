package dev.allo.objective;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * One additive term of an objective's loss, kept un-normalised so that a training loop can choose the normaliser.
 * The micro-batch loss is {@code sum over terms of weight * sum / count} (a term whose count is 0 contributes 0).
 *
 * @param name a short name: the objective's {@link PreferenceObjective#name()}, or {@code "sft"} for an added SFT
 *     term
 * @param sum scalar, the un-normalised sum of the term's per-pair or per-token losses, with its gradient graph
 * @param normalization what the sum is divided by
 * @param count this micro-batch's count for {@code normalization}, {@code >= 0}
 * @param weight the term's coefficient in the total loss (1 for the main objective, alpha for an added SFT term)
 */
public record LossTerm(String name, NDArray sum, Normalization normalization, double count, double weight) {

    /**
     * Checks the arguments.
     *
     * @throws IllegalArgumentException if {@code count} is negative or not finite, or {@code weight} is not finite
     */
    public LossTerm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sum, "sum");
        Objects.requireNonNull(normalization, "normalization");
        if (!(count >= 0) || Double.isInfinite(count)) {
            throw new IllegalArgumentException("count must be finite and >= 0, got " + count);
        }
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight must be finite, got " + weight);
        }
    }
}
