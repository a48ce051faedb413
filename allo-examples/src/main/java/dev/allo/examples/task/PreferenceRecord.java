package dev.allo.examples.task;

import java.util.Objects;

/**
 * One preference pair: under {@code prompt}, {@code chosen} (a correct solution) is preferred to {@code rejected} (a
 * wrong one). The reference solution is attached for scorers that compare against it.
 *
 * @param prompt the task prompt ({@link PromptStyle#taskPrompt(String)})
 * @param chosen the preferred response y+
 * @param rejected the dispreferred response y-
 * @param reference the problem's reference solution
 */
public record PreferenceRecord(String prompt, String chosen, String rejected, String reference) {
    /** Checks that no field is null. */
    public PreferenceRecord {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        Objects.requireNonNull(reference, "reference");
    }
}
