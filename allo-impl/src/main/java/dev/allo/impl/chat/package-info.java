/**
 * Chat templates: the Jinja {@code chat_template} of a Hugging Face {@code tokenizer_config.json} rendered by Jinjava
 * as {@code transformers}' {@code apply_chat_template} renders it ({@link dev.allo.impl.chat.ChatTemplate}), and a
 * {@link dev.allo.data.ConversationRenderer} built from it ({@link dev.allo.impl.chat.ChatTemplateRenderer}) for
 * conversational preference data.
 */
package dev.allo.impl.chat;
