package dev.allo.impl.chat;

import dev.allo.data.ChatMessage;
import dev.allo.data.ConversationRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Renders conversational preference data with a model's own {@link ChatTemplate}, as TRL's
 * {@code maybe_apply_chat_template} does:
 *
 * <ul>
 *   <li>prompt text = the template's rendering of the prompt messages with {@code add_generation_prompt = true};</li>
 *   <li>response text = what the rendering of the whole conversation (prompt messages followed by the response
 *       messages, {@code add_generation_prompt = false}) adds after the prompt text: the response's content and the
 *       template's text around it (for example {@code <|eot_id|>}, {@code <|im_end|>\n}, or Qwen3's empty
 *       {@code <think>} block).</li>
 * </ul>
 *
 * <p>The prompt text must be a prefix of the full rendering; a template that renders the prompt differently when a
 * response follows (Mistral v3's template puts the system message into the last user turn only) is an error that
 * says where the two renderings first differ. TRL silently cuts both at their common prefix instead, which moves
 * template text into the response or loses it.
 *
 * <p>Special tokens: the template writes the BOS text itself when it wants one ({@code <|begin_of_text|>},
 * {@code <bos>}, {@code <s>}). The tokenizer then must not add another: {@code PairEncoder} removes leading BOS ids
 * from the encoded prompt before it puts its single BOS in front, so BOS appears exactly once as long as the
 * tokenizer encodes the template's BOS text to its BOS id (Hugging Face tokenizers do, for added special tokens).
 * The encoder also appends EOS to each response, removing a trailing EOS first; a template whose turn ends with
 * text after its EOS (Qwen's {@code <|im_end|>\n}) keeps that text and gets the EOS after it, as TRL's DPO
 * tokenisation does.
 */
public final class ChatTemplateRenderer implements ConversationRenderer {

    private static final int CONTEXT = 24;

    private final ChatTemplate template;

    /**
     * A renderer for a template.
     *
     * @param template the model's chat template
     */
    public ChatTemplateRenderer(ChatTemplate template) {
        this.template = Objects.requireNonNull(template, "template");
    }

    /**
     * The template.
     *
     * @return the template
     */
    public ChatTemplate template() {
        return template;
    }

    /**
     * The prompt text: the template's rendering with {@code add_generation_prompt = true}.
     *
     * @param messages the prompt's messages; not empty
     * @return the prompt text
     * @throws IllegalArgumentException if there are no messages, or the template raises or fails
     *     ({@link ChatTemplateException})
     */
    @Override
    public String prompt(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a prompt must have at least one message");
        }
        return template.render(messages, true);
    }

    /**
     * Not supported: a template renders a response only as part of the conversation.
     *
     * @param messages the response's messages
     * @return never
     * @throws UnsupportedOperationException always; use {@link #response(List, List)}
     */
    @Override
    public String response(List<ChatMessage> messages) {
        throw new UnsupportedOperationException("a chat template renders a response only after its prompt; call "
                + "response(prompt, response)");
    }

    /**
     * The response text: what the full conversation's rendering adds after the prompt text.
     *
     * @param prompt the prompt's messages; not empty
     * @param response the response's messages; not empty
     * @return the response text; not empty
     * @throws IllegalArgumentException if the prompt was not messages or either list is empty, the template raises
     *     or fails ({@link ChatTemplateException}), the prompt text is not a prefix of the full rendering (the
     *     message gives the offset and both texts there), or the response adds no text
     */
    @Override
    public String response(List<ChatMessage> prompt, List<ChatMessage> response) {
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("a chat template renders the response from the whole conversation, so "
                    + "the prompt must be a list of messages, not plain text");
        }
        if (response.isEmpty()) {
            throw new IllegalArgumentException("a response must have at least one message");
        }
        String promptText = template.render(prompt, true);
        List<ChatMessage> conversation = new ArrayList<>(prompt.size() + response.size());
        conversation.addAll(prompt);
        conversation.addAll(response);
        String full = template.render(conversation, false);
        if (!full.startsWith(promptText)) {
            int at = firstDifference(promptText, full);
            throw new IllegalArgumentException("chat template '" + template.name() + "': the prompt's rendering (with "
                    + "the generation prompt) is not a prefix of the whole conversation's rendering; they differ at "
                    + "character " + at + ": the prompt has " + excerpt(promptText, at) + ", the conversation has "
                    + excerpt(full, at));
        }
        String text = full.substring(promptText.length());
        if (text.isEmpty()) {
            throw new IllegalArgumentException("chat template '" + template.name() + "': the response adds no text "
                    + "to the prompt's rendering");
        }
        return text;
    }

    private static int firstDifference(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int k = 0; k < n; k++) {
            if (a.charAt(k) != b.charAt(k)) {
                return k;
            }
        }
        return n;
    }

    // The text from `at`, at most CONTEXT characters, quoted with escaped line ends; "the end" past the text.
    private static String excerpt(String s, int at) {
        if (at >= s.length()) {
            return "its end";
        }
        String part = s.substring(at, Math.min(s.length(), at + CONTEXT));
        return "\"" + part.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
                + (at + CONTEXT < s.length() ? "..." : "") + "\"";
    }

    @Override
    public String toString() {
        return "ChatTemplateRenderer[" + template.name() + "]";
    }
}
