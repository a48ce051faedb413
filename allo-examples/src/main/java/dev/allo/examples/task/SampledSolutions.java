package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The solutions sampled for one problem (by the SFT model, or synthetically).
 *
 * @param problem the problem
 * @param samples the sampled responses, in sampling order; duplicates allowed
 */
public record SampledSolutions(Problem problem, List<String> samples) {
    /** Validates and copies. */
    public SampledSolutions {
        Objects.requireNonNull(problem, "problem");
        samples = List.copyOf(Objects.requireNonNull(samples, "samples"));
    }

    /**
     * Synthetic samples for when no model is at hand: the reference solution and {@code wrong} solutions from the
     * generator (possibly repeating one another).
     *
     * @param problem the problem
     * @param wrong how many wrong solutions, non-negative
     * @param generator the source of wrong solutions
     * @return the samples
     */
    public static SampledSolutions synthetic(Problem problem, int wrong, WrongSolutionGenerator generator) {
        if (wrong < 0) {
            throw new IllegalArgumentException("wrong must be >= 0, got " + wrong);
        }
        List<String> samples = new ArrayList<>(wrong + 1);
        samples.add(problem.referenceSolution());
        for (int i = 0; i < wrong; i++) {
            samples.add(generator.next(problem).text());
        }
        return new SampledSolutions(problem, samples);
    }
}
