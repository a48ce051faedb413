package dev.allo.data;

import java.util.Objects;
import java.util.Optional;

/**
 * A prompt and its target completion for supervised fine-tuning (TRL's prompt-completion format), for example the
 * training data of a rewriting model.
 *
 * @param prompt the prompt; not empty
 * @param completion the target completion; not empty
 * @param id an identifier, if any; not empty when present
 */
public record SupervisedExample(String prompt, String completion, Optional<String> id) {

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming the empty field
     */
    public SupervisedExample {
        if (prompt == null || prompt.isEmpty()) {
            throw new IllegalArgumentException("prompt must not be empty");
        }
        if (completion == null || completion.isEmpty()) {
            throw new IllegalArgumentException("completion must not be empty");
        }
        Objects.requireNonNull(id, "id (use Optional.empty())");
        if (id.isPresent() && id.get().isEmpty()) {
            throw new IllegalArgumentException("id must not be empty when present");
        }
    }
}
