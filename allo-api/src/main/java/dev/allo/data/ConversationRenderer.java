package dev.allo.data;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns TRL's conversational form ({@code [{"role": ..., "content": ...}]}) into the plain strings of a
 * {@link PreferenceExample}.
 *
 * <p>The prompt is rendered by the renderer. A response (chosen or rejected) is rendered by
 * {@link #response(List, List)}, which sees the whole conversation: by default it must be exactly one
 * {@code assistant} message and becomes its content, so the response tokens are the model's own words and never
 * template text. A renderer built from a model's chat template (allo-impl's {@code ChatTemplateRenderer}) overrides it
 * to return what the template writes for the response after the prompt, end-of-turn tokens included.
 *
 * <p>Stock renderers: {@link #singleTurn(PromptTemplate)} (one optional system message and one user message filled
 * into a template such as the paper's {@link PromptTemplate#downstream()}) and {@link #turns(Map, String)} (every
 * message through the template of its role, for multi-turn prompts).
 */
public interface ConversationRenderer {

    /** Role of the model's messages. */
    String ASSISTANT = "assistant";
    /** Role of the user's messages. */
    String USER = "user";
    /** Role of the system message. */
    String SYSTEM = "system";

    /**
     * Renders the prompt messages to the prompt text.
     *
     * @param messages the prompt's messages, in order; not empty
     * @return the prompt text
     * @throws IllegalArgumentException naming the message index and the rule it breaks
     */
    String prompt(List<ChatMessage> messages);

    /**
     * Renders a response: exactly one {@code assistant} message with non-empty content.
     *
     * @param messages the response's messages
     * @return the content of the one assistant message
     * @throws IllegalArgumentException if there is not exactly one message, its role is not {@code assistant}, or its
     *     content is empty
     */
    default String response(List<ChatMessage> messages) {
        if (messages.size() != 1) {
            throw new IllegalArgumentException("a response must be exactly one assistant message, got "
                    + messages.size() + " messages");
        }
        ChatMessage m = messages.get(0);
        if (!ASSISTANT.equals(m.role())) {
            throw new IllegalArgumentException("a response message must have role 'assistant', got '" + m.role()
                    + "'");
        }
        if (m.content().isEmpty()) {
            throw new IllegalArgumentException("the assistant message's content must not be empty");
        }
        return m.content();
    }

    /**
     * Renders a response given the prompt it answers: the text that follows the prompt text in the rendering of the
     * whole conversation ({@code prompt} followed by {@code response}). The default ignores the prompt and returns
     * {@link #response(List)}; renderers whose response text depends on the conversation (a chat template) override
     * this method.
     *
     * @param prompt the prompt's messages, as given to {@link #prompt(List)}; empty when the prompt was plain text
     * @param response the response's messages
     * @return the response text
     * @throws IllegalArgumentException naming the rule the conversation breaks
     */
    default String response(List<ChatMessage> prompt, List<ChatMessage> response) {
        return response(response);
    }

    /**
     * A single-turn renderer: the prompt is an optional {@code system} message followed by one {@code user} message;
     * the user content fills {@code {instruction}} and, when the template has it, the system content fills
     * {@code {system}} (a template with {@code {system}} then requires a system message).
     *
     * @param template a template with the placeholder {@code {instruction}}
     * @return the renderer
     * @throws IllegalArgumentException if the template lacks {@code {instruction}}
     */
    static ConversationRenderer singleTurn(PromptTemplate template) {
        template.requirePlaceholders(List.of(PromptTemplate.INSTRUCTION));
        return messages -> {
            int n = messages.size();
            boolean hasSystem = n == 2 && SYSTEM.equals(messages.get(0).role());
            if (!(n == 1 || hasSystem) || !USER.equals(messages.get(n - 1).role())) {
                throw new IllegalArgumentException("a single-turn prompt must be [system,] user; got roles "
                        + messages.stream().map(ChatMessage::role).toList());
            }
            Map<String, String> values = new HashMap<>();
            values.put(PromptTemplate.INSTRUCTION, messages.get(n - 1).content());
            if (hasSystem) {
                values.put("system", messages.get(0).content());
            }
            return template.fill(values);
        };
    }

    /**
     * A multi-turn renderer: each prompt message is rendered by the template of its role (placeholder
     * {@code {content}}), the results are concatenated, and {@code generationPrompt} (for example
     * {@code "<|assistant|>\n"}) is appended.
     *
     * @param roleTemplates a template per role, each with the placeholder {@code {content}}
     * @param generationPrompt text appended after the last message; may be empty
     * @return the renderer
     * @throws IllegalArgumentException if a template lacks {@code {content}}
     */
    static ConversationRenderer turns(Map<String, PromptTemplate> roleTemplates, String generationPrompt) {
        Objects.requireNonNull(generationPrompt, "generationPrompt");
        Map<String, PromptTemplate> byRole = new LinkedHashMap<>(roleTemplates);
        byRole.values().forEach(t -> t.requirePlaceholders(List.of("content")));
        return messages -> {
            if (messages.isEmpty()) {
                throw new IllegalArgumentException("a prompt must have at least one message");
            }
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < messages.size(); i++) {
                ChatMessage m = messages.get(i);
                PromptTemplate t = byRole.get(m.role());
                if (t == null) {
                    throw new IllegalArgumentException("message " + i + " has role '" + m.role()
                            + "' but templates exist only for " + byRole.keySet());
                }
                out.append(t.fill(Map.of("content", m.content())));
            }
            return out.append(generationPrompt).toString();
        };
    }
}
