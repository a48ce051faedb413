package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The SFT demonstrations of the systematic-mistakes task: mostly right, sometimes wrong in one of the
 * {@link SystematicMistake} classes.
 *
 * <p>A fraction {@code f} of the demonstrations carries a mistake. Only problems to which some class applies can
 * carry one; if a share {@code s} of the problems is such, each of them carries a mistake with probability
 * {@code q = min(1, f / s)} (so the share of mistaken demonstrations is at most {@code s}), of a class drawn uniformly among those that apply. With the default
 * task ({@code s} about one half) and {@code f = 0.4}, {@code q} is about 0.8, so a model that learns the
 * demonstrations' distribution makes the mistake under greedy decoding on triggered problems, and samples the right
 * solution part of the time: room for preference learning. Only the classes asked for are taught: a problem
 * that triggers none of them keeps its reference solution.
 */
public final class NoisyDemonstrations {
    private NoisyDemonstrations() {}

    /**
     * One demonstration.
     *
     * @param problem the problem
     * @param solution the demonstrated solution
     * @param mistakes the classes it carries, empty for the reference solution
     */
    public record Demonstration(Problem problem, String solution, Set<SystematicMistake> mistakes) {
        /** Copies the set. */
        public Demonstration {
            mistakes = mistakes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(mistakes));
        }
    }

    /**
     * The demonstrations of some problems.
     *
     * @param problems the training problems
     * @param fraction the share of demonstrations with a mistake, in {@code [0, 1)}
     * @param classes the classes taught, not empty
     * @param seed the seed of the draws
     * @return one demonstration per problem, in order
     */
    public static List<Demonstration> build(List<Problem> problems, double fraction, Set<SystematicMistake> classes,
            long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("mistake fraction must be in [0, 1), got " + fraction);
        }
        if (classes == null || classes.isEmpty()) {
            throw new IllegalArgumentException("mistake classes must name at least one class, got " + classes);
        }
        List<Set<SystematicMistake>> applicable = new ArrayList<>();
        int triggered = 0;
        for (Problem p : problems) {
            Set<SystematicMistake> a = EnumSet.copyOf(SystematicMistakes.applicable(p));
            a.retainAll(classes);
            applicable.add(a);
            triggered += a.isEmpty() ? 0 : 1;
        }
        double q = triggered == 0 ? 0 : Math.min(1, fraction * problems.size() / triggered);
        Random random = new Random(seed);
        List<Demonstration> out = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            List<SystematicMistake> a = List.copyOf(applicable.get(i));
            double u = random.nextDouble();
            int pick = random.nextInt(Math.max(1, a.size()));
            if (!a.isEmpty() && u < q) {
                Set<SystematicMistake> all = EnumSet.copyOf(a);
                Optional<String> together = SystematicMistakes.solution(p, all);
                Set<SystematicMistake> made = together.isPresent() ? all : EnumSet.of(a.get(pick));
                out.add(new Demonstration(p, together.orElseGet(() -> SystematicMistakes.solution(p, a.get(pick))
                        .orElseThrow()), made));
            } else {
                out.add(new Demonstration(p, p.referenceSolution(), Set.of()));
            }
        }
        return List.copyOf(out);
    }
}
