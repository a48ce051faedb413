package dev.allo.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Training material for a rewriting model (paper Sec. 4.2): a problem, its correct solution, a model's wrong
 * prediction and the prediction corrected with minimal edits (for example by a stronger teacher model).
 *
 * <p>{@link #toSupervised(PromptTemplate)} turns it into a supervised example whose prompt is the solution-rewriting
 * template filled in and whose target is the corrected prediction, so a model fine-tuned on such examples learns to
 * rewrite with minimal edits; that model is then the rewriter of Eq. (5).
 *
 * @param problem the problem; not empty
 * @param correctSolution the ground-truth solution; not empty
 * @param wrongPrediction the model's wrong prediction; not empty
 * @param correctedPrediction the minimally corrected prediction (the target); not empty
 * @param id an identifier, if any
 */
public record RewriteQuadruple(String problem, String correctSolution, String wrongPrediction,
        String correctedPrediction, Optional<String> id) {

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming the empty field
     */
    public RewriteQuadruple {
        requireText("problem", problem);
        requireText("correctSolution", correctSolution);
        requireText("wrongPrediction", wrongPrediction);
        requireText("correctedPrediction", correctedPrediction);
        Objects.requireNonNull(id, "id (use Optional.empty())");
    }

    /**
     * The supervised example: prompt = {@code template} with {@code {problem}}, {@code {solution}} and
     * {@code {prediction}} (the wrong prediction) filled in; completion = the corrected prediction.
     *
     * @param template a template with the three placeholders, usually {@link PromptTemplate#solutionRewriting()}
     * @return the example
     * @throws IllegalArgumentException if the template lacks a placeholder
     */
    public SupervisedExample toSupervised(PromptTemplate template) {
        template.requirePlaceholders(List.of(PromptTemplate.PROBLEM, PromptTemplate.SOLUTION,
                PromptTemplate.PREDICTION));
        String prompt = template.fill(Map.of(
                PromptTemplate.PROBLEM, problem,
                PromptTemplate.SOLUTION, correctSolution,
                PromptTemplate.PREDICTION, wrongPrediction));
        return new SupervisedExample(prompt, correctedPrediction, id);
    }

    /**
     * Converts many quadruples, in order.
     *
     * @param quadruples the quadruples
     * @param template the rewriting template
     * @return the supervised examples
     */
    public static List<SupervisedExample> toSupervised(Iterable<RewriteQuadruple> quadruples,
            PromptTemplate template) {
        List<SupervisedExample> out = new ArrayList<>();
        for (RewriteQuadruple q : quadruples) {
            out.add(q.toSupervised(template));
        }
        return out;
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
    }
}
