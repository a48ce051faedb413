package dev.allo.examples.task;

/**
 * How {@link PreferenceDataBuilder} turns samples into data.
 *
 * @param maxPairsPerProblem the most (chosen, rejected) pairs kept per problem, at least 1 (default 4)
 * @param referenceWhenNoCorrect whether a problem with no correct sample pairs its wrong samples with the reference
 *     solution as chosen (default false: such problems give no pair, as in the paper's on-policy recipe)
 * @param keepFallbackRewrites whether rewrite quadruples keep predictions the teacher could only replace by the
 *     reference (default false: those targets are not minimal edits and would teach the rewriter to copy)
 */
public record PreferenceDataConfig(
        int maxPairsPerProblem, boolean referenceWhenNoCorrect, boolean keepFallbackRewrites) {
    /** Validates. */
    public PreferenceDataConfig {
        if (maxPairsPerProblem < 1) {
            throw new IllegalArgumentException("maxPairsPerProblem must be >= 1, got " + maxPairsPerProblem);
        }
    }

    /**
     * The defaults: at most 4 pairs per problem, no reference as chosen, no fallback rewrites.
     *
     * @return the default config
     */
    public static PreferenceDataConfig defaults() {
        return new PreferenceDataConfig(4, false, false);
    }
}
