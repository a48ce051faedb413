package dev.allo.examples.quickstart;

import dev.allo.examples.task.PreferenceData;
import dev.allo.examples.task.PreferenceDataBuilder;
import dev.allo.examples.task.PreferenceDataConfig;
import dev.allo.examples.task.PromptStyle;
import dev.allo.examples.task.SampledSolutions;
import dev.allo.examples.task.WrongSolutionGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's data recipe on a policy's own samples ({@link PreferenceDataBuilder}), with two fall-backs for a
 * policy that is too weak or too strong to give enough pairs:
 *
 * <ol>
 *   <li>on-policy: (correct sample, wrong sample) pairs only;
 *   <li>if fewer than {@code minPairs} pairs or fewer than {@code minPairs / 4} rewrites: the reference solution stands in as the chosen response of problems with no
 *       correct sample;
 *   <li>if still fewer: synthetic wrong solutions ({@link WrongSolutionGenerator}) are added to every problem's
 *       samples.
 * </ol>
 *
 * <p>Blank samples (the policy wrote EOS first) are left out before pairing.
 *
 * @param data the pairs and the teacher's rewrites
 * @param source which of the three recipes gave them
 */
public record OnPolicyPairs(PreferenceData data, Source source) {

    /** Which recipe produced the pairs. */
    public enum Source {
        /** (correct, wrong) pairs of the policy's own samples. */
        ON_POLICY,
        /** Own samples; the reference is the chosen response where no sample was correct. */
        ON_POLICY_WITH_REFERENCE,
        /** Own samples plus synthetic wrong solutions. */
        WITH_SYNTHETIC_WRONG
    }

    /**
     * Builds the pairs.
     *
     * @param sampled each problem's samples
     * @param style the prompt template of the pairs
     * @param minPairs the fewest pairs wanted
     * @param syntheticPerProblem synthetic wrong solutions added per problem in the last fall-back
     * @param wrong the source of synthetic wrong solutions
     * @return the pairs and their source
     */
    public static OnPolicyPairs build(List<SampledSolutions> sampled, PromptStyle style, int minPairs,
            int syntheticPerProblem, WrongSolutionGenerator wrong) {
        sampled = withoutBlankSamples(sampled);
        PreferenceData strict = new PreferenceDataBuilder(PreferenceDataConfig.defaults(), style).build(sampled);
        if (enough(strict, minPairs)) {
            return new OnPolicyPairs(strict, Source.ON_POLICY);
        }
        PreferenceDataBuilder lenient = new PreferenceDataBuilder(new PreferenceDataConfig(
                PreferenceDataConfig.defaults().maxPairsPerProblem(), true, false), style);
        PreferenceData withReference = lenient.build(sampled);
        if (enough(withReference, minPairs)) {
            return new OnPolicyPairs(withReference, Source.ON_POLICY_WITH_REFERENCE);
        }
        List<SampledSolutions> augmented = new ArrayList<>();
        for (SampledSolutions s : sampled) {
            List<String> samples = new ArrayList<>(s.samples());
            for (int i = 0; i < syntheticPerProblem; i++) {
                samples.add(wrong.next(s.problem()).text());
            }
            augmented.add(new SampledSolutions(s.problem(), samples));
        }
        return new OnPolicyPairs(lenient.build(augmented), Source.WITH_SYNTHETIC_WRONG);
    }

    /** At least {@code minPairs} pairs, and rewrites for at least a quarter as many wrong samples. */
    private static boolean enough(PreferenceData data, int minPairs) {
        return data.pairs().size() >= minPairs && 4 * data.rewrites().size() >= minPairs;
    }

    /** A sample that is only white space (EOS first) cannot be a response: it is left out. */
    private static List<SampledSolutions> withoutBlankSamples(List<SampledSolutions> sampled) {
        List<SampledSolutions> out = new ArrayList<>();
        for (SampledSolutions s : sampled) {
            out.add(new SampledSolutions(s.problem(), s.samples().stream().filter(t -> !t.isBlank()).toList()));
        }
        return out;
    }
}
