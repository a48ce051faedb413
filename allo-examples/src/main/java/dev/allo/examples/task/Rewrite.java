package dev.allo.examples.task;

import java.util.Objects;

/**
 * What {@link ArithmeticTeacher} made of a prediction.
 *
 * @param text the corrected prediction (the reference solution when {@code outcome} is {@link
 *     Outcome#REFERENCE_FALLBACK})
 * @param outcome how the text was obtained
 * @param editedSlots how many numbers and operation symbols were replaced in place
 * @param insertedSteps how many missing step lines were inserted
 * @param deletedSteps how many superfluous step lines were removed
 * @param reason why the teacher fell back to the reference; empty otherwise
 */
public record Rewrite(
        String text, Outcome outcome, int editedSlots, int insertedSteps, int deletedSteps, String reason) {

    /** How a rewrite was obtained. */
    public enum Outcome {
        /** The prediction's computation was already right; the text is the prediction itself. */
        UNCHANGED,
        /** The prediction was corrected with minimal edits; its wording is kept. */
        EDITED,
        /** The prediction's structure could not be recovered; the text is the reference solution. */
        REFERENCE_FALLBACK
    }

    /** Validates the rewrite. */
    public Rewrite {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
        if (editedSlots < 0 || insertedSteps < 0 || deletedSteps < 0) {
            throw new IllegalArgumentException("edit counts must be >= 0, got editedSlots=" + editedSlots
                    + ", insertedSteps=" + insertedSteps + ", deletedSteps=" + deletedSteps);
        }
        if ((outcome == Outcome.REFERENCE_FALLBACK) == reason.isEmpty()) {
            throw new IllegalArgumentException(
                    "reason must be non-empty exactly for REFERENCE_FALLBACK, got " + outcome + " with \"" + reason
                            + "\"");
        }
    }
}
