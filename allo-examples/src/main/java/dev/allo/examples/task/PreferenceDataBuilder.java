package dev.allo.examples.task;

import dev.allo.data.RewriteQuadruple;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The paper's data recipe for the math scenario, given the sampled solutions: grade every sample with {@link
 * AnswerChecker}, keep (correct, wrong) pairs as (chosen, rejected) with the reference solution attached, and have
 * {@link ArithmeticTeacher} correct every wrong sample into a {@link RewriteQuadruple} for the rewriter.
 *
 * <p>Per problem, samples are first deduplicated (exact text, first appearance kept). A sample is wrong if it is
 * graded {@link Verdict#WRONG} or {@link Verdict#NO_ANSWER}. With distinct correct samples {@code C} and wrong ones
 * {@code W}, pairs are dealt in rounds {@code r = 0, 1, ...}: round {@code r} pairs {@code W[j]} with {@code C[(j + r)
 * mod |C|]} for each {@code j}, so every wrong sample is used before any is reused and no pair repeats; dealing stops
 * at {@link PreferenceDataConfig#maxPairsPerProblem()} or after {@code |C|} rounds. Rewrites are made for every
 * distinct wrong sample, paired or not.
 */
public final class PreferenceDataBuilder {
    private final PreferenceDataConfig config;
    private final PromptStyle style;
    private final ArithmeticTeacher teacher = new ArithmeticTeacher();

    /**
     * Creates a builder.
     *
     * @param config how many pairs to keep and what to do without correct samples or with fallback rewrites
     * @param style the template of the pairs' prompts
     */
    public PreferenceDataBuilder(PreferenceDataConfig config, PromptStyle style) {
        this.config = Objects.requireNonNull(config, "config");
        this.style = Objects.requireNonNull(style, "style");
    }

    /**
     * Builds pairs and rewrites from the sampled solutions, in input order.
     *
     * @param sampled the samples of each problem
     * @return the pairs, the rewrites and their counts
     */
    public PreferenceData build(List<SampledSolutions> sampled) {
        Objects.requireNonNull(sampled, "sampled");
        List<PreferenceRecord> pairs = new ArrayList<>();
        List<RewriteQuadruple> rewrites = new ArrayList<>();
        int[] verdicts = new int[Verdict.values().length];
        int samples = 0;
        int problemsWithPairs = 0;
        int referenceChosen = 0;
        int fallbacks = 0;
        for (SampledSolutions entry : sampled) {
            Problem problem = entry.problem();
            String reference = problem.referenceSolution();
            Set<String> correct = new LinkedHashSet<>();
            Set<String> wrong = new LinkedHashSet<>();
            for (String sample : entry.samples()) {
                Verdict verdict = AnswerChecker.check(sample, problem.answer());
                verdicts[verdict.ordinal()]++;
                (verdict == Verdict.CORRECT ? correct : wrong).add(sample);
            }
            samples += entry.samples().size();
            boolean fromReference = correct.isEmpty() && config.referenceWhenNoCorrect();
            List<PreferenceRecord> dealt = deal(style.taskPrompt(problem.text()),
                    fromReference ? List.of(reference) : List.copyOf(correct), List.copyOf(wrong), reference);
            pairs.addAll(dealt);
            problemsWithPairs += dealt.isEmpty() ? 0 : 1;
            referenceChosen += fromReference ? dealt.size() : 0;
            for (String prediction : wrong) {
                Rewrite rewrite = teacher.rewrite(problem, prediction);
                boolean fallback = rewrite.outcome() == Rewrite.Outcome.REFERENCE_FALLBACK;
                fallbacks += fallback ? 1 : 0;
                if (!fallback || config.keepFallbackRewrites()) {
                    rewrites.add(new RewriteQuadruple(problem.text(), reference, prediction, rewrite.text(),
                            Optional.empty()));
                }
            }
        }
        PreferenceData.Summary summary = new PreferenceData.Summary(sampled.size(), samples,
                verdicts[Verdict.CORRECT.ordinal()], verdicts[Verdict.WRONG.ordinal()],
                verdicts[Verdict.NO_ANSWER.ordinal()], problemsWithPairs, referenceChosen, fallbacks);
        return new PreferenceData(pairs, rewrites, summary);
    }

    /** Deals pairs in rounds (see the class comment) up to the per-problem cap. */
    private List<PreferenceRecord> deal(String prompt, List<String> chosen, List<String> rejected, String reference) {
        int count = Math.min(config.maxPairsPerProblem(), chosen.size() * rejected.size());
        List<PreferenceRecord> pairs = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            int round = k / rejected.size();
            int j = k % rejected.size();
            pairs.add(new PreferenceRecord(prompt, chosen.get((j + round) % chosen.size()), rejected.get(j), reference));
        }
        return pairs;
    }
}
