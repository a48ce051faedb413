package dev.allo.scorer;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-token weights a {@link TokenScorer} gives one pair: {@code r_j} for each rejected response token and,
 * optionally, a weight for each chosen token (absent means "no opinion": the chosen weights stay as they are).
 *
 * <p>Immutable: arrays are copied in and out.
 *
 * @param rejected one weight in {@code [0, 1]} per rejected token
 * @param chosen one weight in {@code [0, 1]} per chosen token, if the scorer weights the chosen response
 */
public record TokenScores(float[] rejected, Optional<float[]> chosen) {

    /**
     * Validates the weights and copies the arrays.
     *
     * @throws IllegalArgumentException naming the first weight outside {@code [0, 1]}
     */
    public TokenScores {
        rejected = check("rejected", Objects.requireNonNull(rejected, "rejected")).clone();
        Objects.requireNonNull(chosen, "chosen (use Optional.empty())");
        chosen = chosen.map(c -> check("chosen", c).clone());
    }

    /**
     * Weights for the rejected response only.
     *
     * @param rejected the rejected weights
     * @return the scores
     */
    public static TokenScores ofRejected(float[] rejected) {
        return new TokenScores(rejected, Optional.empty());
    }

    /**
     * The rejected response's weights {@code r_j}, each in {@code [0, 1]}.
     *
     * @return a copy, one weight per rejected token
     */
    @Override
    public float[] rejected() {
        return rejected.clone();
    }

    /**
     * The chosen response's weights, when the scorer weights it.
     *
     * @return a copy, one weight per chosen token, or empty for "leave the chosen weights as they are"
     */
    @Override
    public Optional<float[]> chosen() {
        return chosen.map(float[]::clone);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenScores s && Arrays.equals(rejected, s.rejected)
                && chosen.isPresent() == s.chosen.isPresent()
                && (chosen.isEmpty() || Arrays.equals(chosen.get(), s.chosen.get()));
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(rejected) + chosen.map(Arrays::hashCode).orElse(0);
    }

    @Override
    public String toString() {
        return "TokenScores[rejected=" + Arrays.toString(rejected) + ", chosen="
                + chosen.map(Arrays::toString).orElse("none") + "]";
    }

    private static float[] check(String name, float[] w) {
        for (int j = 0; j < w.length; j++) {
            if (!(w[j] >= 0f && w[j] <= 1f)) {
                throw new IllegalArgumentException(name + "[" + j + "] must be in [0, 1], got " + w[j]);
            }
        }
        return w;
    }
}
