package dev.allo.examples.quickstart;

import dev.allo.examples.task.AnswerChecker;
import dev.allo.examples.task.NumberWords;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.SystematicMistake;
import dev.allo.examples.task.SystematicMistakes;
import dev.allo.examples.task.Verdict;
import dev.allo.impl.model.DecoderModel;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One model's greedy outcomes, problem by problem, so that seeds and problems can be resampled and two models
 * compared pair-wise.
 *
 * @param correct per test problem: 1 if the final answer is right, else 0
 * @param mistaken per test problem: 1 if the final answer is the one a {@link SystematicMistake} leads to
 * @param mistakes per test problem: the class revealed, or null
 * @param triggered per test problem: the classes that apply to it
 * @param skillCorrect per held-out number of the second skill: 1 if spelt right (empty when there is no second
 *     skill)
 */
public record Evaluation(double[] correct, double[] mistaken, List<SystematicMistake> mistakes,
        List<List<SystematicMistake>> triggered, double[] skillCorrect) {

    /**
     * Greedy-decodes every test problem and every held-out number of the second skill.
     *
     * @param model the model; unchanged
     * @param test the test problems
     * @param skillTest the held-out numbers (possibly empty)
     * @param maxNewTokens the generation budget
     * @return the outcomes
     */
    public static Evaluation of(DecoderModel model, List<Problem> test, List<Integer> skillTest, int maxNewTokens) {
        SolutionSampler sampler = new SolutionSampler(model, PreparedTask.TOKENIZER, PreparedTask.STYLE,
                maxNewTokens);
        List<String> answers = sampler.greedy(test);
        double[] correct = new double[test.size()];
        double[] mistaken = new double[test.size()];
        List<SystematicMistake> mistakes = new ArrayList<>();
        List<List<SystematicMistake>> triggered = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            Problem p = test.get(i);
            correct[i] = AnswerChecker.check(answers.get(i), p.answer()) == Verdict.CORRECT ? 1 : 0;
            Optional<SystematicMistake> m = SystematicMistakes.classify(p, answers.get(i));
            mistaken[i] = m.isPresent() ? 1 : 0;
            mistakes.add(m.orElse(null));
            triggered.add(List.copyOf(SystematicMistakes.applicable(p)));
        }
        double[] skill = new double[skillTest.size()];
        if (!skillTest.isEmpty()) {
            List<String> spelt = sampler.greedyAnswers(skillTest.stream().map(NumberWords::question).toList());
            for (int i = 0; i < skill.length; i++) {
                skill[i] = NumberWords.isCorrect(spelt.get(i), skillTest.get(i)) ? 1 : 0;
            }
        }
        return new Evaluation(correct, mistaken, java.util.Collections.unmodifiableList(mistakes),
                List.copyOf(triggered), skill);
    }

    /**
     * Test accuracy.
     *
     * @return the share of test problems answered right
     */
    public double accuracy() {
        return mean(correct);
    }

    /**
     * Mistake rate: the share of test problems whose answer is a systematic mistake's.
     *
     * @return the rate in {@code [0, 1]}
     */
    public double mistakeRate() {
        return mean(mistaken);
    }

    /**
     * Second-skill accuracy.
     *
     * @return the share of held-out numbers spelt right, NaN without a second skill
     */
    public double skillAccuracy() {
        return skillCorrect.length == 0 ? Double.NaN : mean(skillCorrect);
    }

    /**
     * Per class: among the test problems the class applies to, the share answered with that class's wrong answer.
     *
     * @return the rate per class (NaN for a class no test problem triggers)
     */
    public Map<SystematicMistake, Double> mistakeRateByClass() {
        Map<SystematicMistake, Double> out = new EnumMap<>(SystematicMistake.class);
        for (SystematicMistake m : SystematicMistake.values()) {
            int n = 0;
            int made = 0;
            for (int i = 0; i < correct.length; i++) {
                if (triggered.get(i).contains(m)) {
                    n++;
                    made += m == mistakes.get(i) ? 1 : 0;
                }
            }
            out.put(m, n == 0 ? Double.NaN : made / (double) n);
        }
        return out;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? Double.NaN : sum / values.length;
    }
}
