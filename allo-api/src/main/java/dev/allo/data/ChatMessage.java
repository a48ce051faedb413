package dev.allo.data;

import java.util.Objects;

/**
 * One message of a conversation in TRL's conversational format: {@code {"role": "user", "content": "..."}}.
 *
 * @param role the speaker, for example {@code system}, {@code user} or {@code assistant}; not blank
 * @param content the text; may be empty (a renderer decides whether that is acceptable)
 */
public record ChatMessage(String role, String content) {

    /**
     * Validates the message.
     *
     * @throws IllegalArgumentException if the role is blank
     */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (role.isBlank()) {
            throw new IllegalArgumentException("role must not be blank");
        }
    }
}
