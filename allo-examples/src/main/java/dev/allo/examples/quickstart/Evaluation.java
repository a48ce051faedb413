package dev.allo.examples.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.examples.task.AnswerChecker;
import dev.allo.examples.task.NumberWords;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.SystematicMistake;
import dev.allo.examples.task.SystematicMistakes;
import dev.allo.examples.task.Verdict;
import dev.allo.impl.model.DecoderModel;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One model's greedy outcomes, problem by problem, so that seeds and problems can be resampled and two models
 * compared pair-wise.
 *
 * @param correct per test problem: 1 if the final answer is right, else 0
 * @param mistaken per test problem: 1 if the final answer is the one a {@link SystematicMistake} leads to
 * @param mistakes per test problem: the classes revealed ({@link SystematicMistakes#classify}), empty if none
 * @param triggered per test problem: the classes that apply to it
 * @param skillCorrect per held-out number of the second skill: 1 if spelt right (empty when there is no second
 *     skill)
 */
public record Evaluation(double[] correct, double[] mistaken, List<Set<SystematicMistake>> mistakes,
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
        List<Set<SystematicMistake>> mistakes = new ArrayList<>();
        List<List<SystematicMistake>> triggered = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            Problem p = test.get(i);
            correct[i] = AnswerChecker.check(answers.get(i), p.answer()) == Verdict.CORRECT ? 1 : 0;
            Optional<Set<SystematicMistake>> m = SystematicMistakes.classify(p, answers.get(i));
            mistaken[i] = m.isPresent() ? 1 : 0;
            mistakes.add(m.orElse(Set.of()));
            triggered.add(List.copyOf(SystematicMistakes.applicable(p)));
        }
        double[] skill = new double[skillTest.size()];
        if (!skillTest.isEmpty()) {
            List<String> spelt = sampler.greedyAnswers(skillTest.stream().map(NumberWords::question).toList());
            for (int i = 0; i < skill.length; i++) {
                skill[i] = NumberWords.isCorrect(spelt.get(i), skillTest.get(i)) ? 1 : 0;
            }
        }
        return new Evaluation(correct, mistaken, List.copyOf(mistakes), List.copyOf(triggered), skill);
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
     * Per class: among the test problems the class applies to, the share whose answer reveals that class (alone or
     * with others).
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
                    made += mistakes.get(i).contains(m) ? 1 : 0;
                }
            }
            out.put(m, n == 0 ? Double.NaN : made / (double) n);
        }
        return out;
    }

    /**
     * The outcomes as JSON: {@code correct}, {@code mistaken}, {@code skill} (0/1 arrays), {@code mistakes} (the
     * revealed class names per problem), {@code triggered} (the applicable class names per problem).
     *
     * @param json the mapper that creates the nodes
     * @return the object
     */
    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        ArrayNode c = o.putArray("correct");
        ArrayNode k = o.putArray("mistaken");
        ArrayNode m = o.putArray("mistakes");
        ArrayNode t = o.putArray("triggered");
        for (int i = 0; i < correct.length; i++) {
            c.add((int) correct[i]);
            k.add((int) mistaken[i]);
            ArrayNode mi = m.addArray();
            mistakes.get(i).forEach(x -> mi.add(x.name()));
            ArrayNode ti = t.addArray();
            triggered.get(i).forEach(x -> ti.add(x.name()));
        }
        ArrayNode s = o.putArray("skill");
        for (double v : skillCorrect) {
            s.add((int) v);
        }
        return o;
    }

    /**
     * Reads {@link #toJson} back.
     *
     * @param node the object
     * @param where the file and path of the node, for error messages
     * @return the evaluation
     * @throws IllegalArgumentException naming {@code where} and the field when a field is missing or malformed
     */
    public static Evaluation fromJson(JsonNode node, String where) {
        double[] correct = bits(node, "correct", where);
        double[] mistaken = bits(node, "mistaken", where);
        double[] skill = bits(node, "skill", where);
        JsonNode m = field(node, "mistakes", where);
        JsonNode t = field(node, "triggered", where);
        if (mistaken.length != correct.length || m.size() != correct.length || t.size() != correct.length) {
            throw new IllegalArgumentException(where + ": correct, mistaken, mistakes and triggered must have equal"
                    + " lengths, got " + correct.length + ", " + mistaken.length + ", " + m.size() + ", " + t.size());
        }
        List<Set<SystematicMistake>> mistakes = new ArrayList<>();
        List<List<SystematicMistake>> triggered = new ArrayList<>();
        for (int i = 0; i < correct.length; i++) {
            Set<SystematicMistake> mi = EnumSet.noneOf(SystematicMistake.class);
            for (JsonNode x : m.get(i)) {
                mi.add(mistake(x.asText(), where + ".mistakes[" + i + "]"));
            }
            mistakes.add(Set.copyOf(mi));
            List<SystematicMistake> ti = new ArrayList<>();
            for (JsonNode x : t.get(i)) {
                ti.add(mistake(x.asText(), where + ".triggered[" + i + "]"));
            }
            triggered.add(List.copyOf(ti));
        }
        return new Evaluation(correct, mistaken, List.copyOf(mistakes), List.copyOf(triggered), skill);
    }

    private static JsonNode field(JsonNode node, String name, String where) {
        JsonNode v = node.get(name);
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(where + ": field '" + name + "' must be an array, got " + v);
        }
        return v;
    }

    private static double[] bits(JsonNode node, String name, String where) {
        JsonNode a = field(node, name, where);
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            int v = a.get(i).asInt(-1);
            if (!a.get(i).isInt() || (v != 0 && v != 1)) {
                throw new IllegalArgumentException(where + "." + name + "[" + i + "] must be 0 or 1, got " + a.get(i));
            }
            out[i] = v;
        }
        return out;
    }

    private static SystematicMistake mistake(String name, String where) {
        try {
            return SystematicMistake.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " must be one of "
                    + java.util.Arrays.toString(SystematicMistake.values()) + ", got '" + name + "'", e);
        }
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? Double.NaN : sum / values.length;
    }
}
