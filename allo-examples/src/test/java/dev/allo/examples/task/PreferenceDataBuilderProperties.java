package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.allo.data.RewriteQuadruple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreferenceDataBuilderProperties {
    @Test
    void pairsAreCorrectOverWrongDistinctCappedAndRewritesAreCorrect() {
        qt().withFixedSeed(51L).withExamples(60)
                .forAll(longs().all(), integers().between(1, 6), integers().between(0, 5))
                .checkAssert((seed, cap, wrongPerProblem) -> {
                    List<Problem> problems = new ProblemGenerator(ProblemConfig.defaults(), seed).distinct(8);
                    WrongSolutionGenerator wrongs = new WrongSolutionGenerator(seed);
                    List<SampledSolutions> sampled = new ArrayList<>();
                    for (Problem problem : problems) {
                        sampled.add(SampledSolutions.synthetic(problem, wrongPerProblem, wrongs));
                    }
                    PreferenceData data = new PreferenceDataBuilder(new PreferenceDataConfig(cap, false, false),
                            PromptStyle.PAPER).build(sampled);

                    Map<String, Problem> byPrompt = new HashMap<>();
                    problems.forEach(p -> byPrompt.put(PromptStyle.PAPER.taskPrompt(p.text()), p));
                    Map<String, Integer> pairsPerPrompt = new HashMap<>();
                    for (PreferenceRecord pair : data.pairs()) {
                        Problem problem = byPrompt.get(pair.prompt());
                        assertThat(problem).isNotNull();
                        assertThat(AnswerChecker.check(pair.chosen(), problem.answer())).isEqualTo(Verdict.CORRECT);
                        assertThat(AnswerChecker.check(pair.rejected(), problem.answer()))
                                .isNotEqualTo(Verdict.CORRECT);
                        assertThat(pair.reference()).isEqualTo(problem.referenceSolution());
                        pairsPerPrompt.merge(pair.prompt(), 1, Integer::sum);
                    }
                    assertThat(new HashSet<>(data.pairs())).hasSameSizeAs(data.pairs());
                    for (SampledSolutions entry : sampled) {
                        long distinctWrong = entry.samples().stream().distinct()
                                .filter(s -> !s.equals(entry.problem().referenceSolution())).count();
                        assertThat(pairsPerPrompt.getOrDefault(PromptStyle.PAPER.taskPrompt(entry.problem().text()), 0))
                                .isEqualTo((int) Math.min(cap, distinctWrong));
                    }
                    for (RewriteQuadruple rewrite : data.rewrites()) {
                        Problem problem = problems.stream().filter(p -> p.text().equals(rewrite.problem()))
                                .findFirst().orElseThrow();
                        assertThat(AnswerChecker.check(rewrite.correctedPrediction(), problem.answer()))
                                .isEqualTo(Verdict.CORRECT);
                        assertThat(rewrite.correctSolution()).isEqualTo(problem.referenceSolution());
                    }
                    assertThat(data.summary().samples()).isEqualTo(problems.size() * (1 + wrongPerProblem));
                    assertThat(data.summary().correct()).isEqualTo(problems.size());
                    assertThat(data.summary().wrong()).isEqualTo(problems.size() * wrongPerProblem);
                    assertThat(data.summary().fallbackRewrites()).isZero();
                });
    }
}
