package dev.allo.impl.chat;

/**
 * A chat template that could not render a conversation: it called {@code raise_exception(message)} (most templates do
 * so for roles they do not support, such as Gemma's "System role not supported") or failed (syntax error, unknown
 * filter, bad operand). An {@link IllegalArgumentException} because the conversation or template is bad input; a
 * preference reader reports it with the file and line.
 */
public final class ChatTemplateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String templateName;
    private final String templateMessage;
    private final boolean raisedByTemplate;

    /**
     * Creates the exception.
     *
     * @param templateName the template's name
     * @param templateMessage the template's own message, or the engine's description of the failure
     * @param raisedByTemplate whether the template called {@code raise_exception}
     */
    public ChatTemplateException(String templateName, String templateMessage, boolean raisedByTemplate) {
        super("chat template '" + templateName + "' " + (raisedByTemplate ? "raised an exception: "
                : "failed to render: ") + templateMessage);
        this.templateName = templateName;
        this.templateMessage = templateMessage;
        this.raisedByTemplate = raisedByTemplate;
    }

    /**
     * The template's name.
     *
     * @return the name
     */
    public String templateName() {
        return templateName;
    }

    /**
     * The message given to {@code raise_exception}, or the engine's description of the failure.
     *
     * @return the message
     */
    public String templateMessage() {
        return templateMessage;
    }

    /**
     * Whether the template itself raised ({@code raise_exception}) rather than failing to render.
     *
     * @return {@code true} for {@code raise_exception}
     */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
