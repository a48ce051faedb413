package dev.allo.examples.task;

import java.util.Objects;

/**
 * One training example for the rewriter of the forgetting stage (Sec. 4.2): from the problem, its correct solution
 * and a wrong prediction, produce the teacher's minimally corrected prediction.
 *
 * @param problem the problem text
 * @param correctSolution the reference solution (Table 6's "Correct solution")
 * @param wrongPrediction the model's wrong prediction
 * @param correctedPrediction the teacher's minimally corrected prediction (the rewriter's target)
 */
public record RewriteQuadruple(
        String problem, String correctSolution, String wrongPrediction, String correctedPrediction) {
    /** Checks that no field is null. */
    public RewriteQuadruple {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(correctSolution, "correctSolution");
        Objects.requireNonNull(wrongPrediction, "wrongPrediction");
        Objects.requireNonNull(correctedPrediction, "correctedPrediction");
    }

    /**
     * The rewriter's prompt for this example; {@link #correctedPrediction()} is its target.
     *
     * @param style the prompt template
     * @return {@code style.rewritePrompt(problem, correctSolution, wrongPrediction)}
     */
    public String prompt(PromptStyle style) {
        return style.rewritePrompt(problem, correctSolution, wrongPrediction);
    }
}
