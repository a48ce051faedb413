package dev.allo.examples.task;

import dev.allo.data.RewriteQuadruple;
import java.util.List;
import java.util.Objects;

/**
 * The preference pairs and rewrite quadruples built from sampled solutions, with counts.
 *
 * @param pairs the (chosen, rejected) pairs
 * @param rewrites the rewriter's training examples
 * @param summary what went in and what came out
 */
public record PreferenceData(List<PreferenceRecord> pairs, List<RewriteQuadruple> rewrites, Summary summary) {
    /** Copies the lists. */
    public PreferenceData {
        pairs = List.copyOf(Objects.requireNonNull(pairs, "pairs"));
        rewrites = List.copyOf(Objects.requireNonNull(rewrites, "rewrites"));
        Objects.requireNonNull(summary, "summary");
    }

    /**
     * Counts over one build.
     *
     * @param problems problems seen
     * @param samples samples seen, duplicates included
     * @param correct samples graded {@link Verdict#CORRECT}
     * @param wrong samples graded {@link Verdict#WRONG}
     * @param noAnswer samples graded {@link Verdict#NO_ANSWER}
     * @param problemsWithPairs problems that gave at least one pair
     * @param referenceChosenPairs pairs whose chosen response is the reference solution because no sample was correct
     * @param fallbackRewrites distinct wrong samples the teacher could only replace by the reference
     */
    public record Summary(
            int problems, int samples, int correct, int wrong, int noAnswer, int problemsWithPairs,
            int referenceChosenPairs, int fallbackRewrites) {}
}
