package dev.allo.data;

/**
 * How long tokenised pairs may be, and which ends survive when they are too long.
 *
 * <p>Lengths count every token of a sequence, BOS and EOS included. The rules, applied to each pair:
 * <ol>
 *   <li>The prompt ({@code BOS} + prompt tokens) is capped at {@code maxPromptLength}: BOS stays first and the prompt
 *       keeps its <em>end</em> (the last {@code maxPromptLength - 1} prompt tokens), because the end is what the
 *       response continues.</li>
 *   <li>Each response (response tokens + {@code EOS}) is capped at {@code maxLength - promptLength}: it keeps its
 *       <em>start</em>, so a cut response loses its EOS.</li>
 *   <li>A pair whose chosen or rejected response would be cut to nothing (room {@code <= 0}), or whose response
 *       encodes to no tokens at all, is dropped and recorded with its reason; it is never trained on.</li>
 * </ol>
 * Hence {@code promptLength <= maxPromptLength} and {@code promptLength + responseLength <= maxLength} for both
 * responses of every kept pair. With {@code maxPromptLength < maxLength} no response is ever cut to nothing.
 *
 * @param maxLength the largest prompt + response length; at least 2
 * @param maxPromptLength the largest prompt length; in {@code [1, maxLength]}
 */
public record TruncationPolicy(int maxLength, int maxPromptLength) {

    /**
     * Validates the limits.
     *
     * @throws IllegalArgumentException naming the limit, its constraint and its value
     */
    public TruncationPolicy {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be >= 2, got " + maxLength);
        }
        if (maxPromptLength < 1 || maxPromptLength > maxLength) {
            throw new IllegalArgumentException("maxPromptLength must be in [1, maxLength=" + maxLength + "], got "
                    + maxPromptLength);
        }
    }

    /**
     * Limits given explicitly.
     *
     * @param maxLength the largest prompt + response length
     * @param maxPromptLength the largest prompt length
     * @return the policy
     */
    public static TruncationPolicy of(int maxLength, int maxPromptLength) {
        return new TruncationPolicy(maxLength, maxPromptLength);
    }

    /**
     * No truncation (both limits {@link Integer#MAX_VALUE}).
     *
     * @return the policy
     */
    public static TruncationPolicy none() {
        return new TruncationPolicy(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }
}
