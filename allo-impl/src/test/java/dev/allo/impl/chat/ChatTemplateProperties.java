package dev.allo.impl.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.allo.data.ChatMessage;
import dev.allo.fixtures.data.DataGenerators;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Random conversations with random Unicode text (braces, template syntax and control characters included) through the
 * Qwen2.5 and Mistral v3 test templates, against the two formats written out in plain Java.
 */
class ChatTemplateProperties {

    private static final ChatTemplate QWEN = ChatTemplateModelsTest.model("qwen2.5-7b-instruct");
    private static final ChatTemplate MISTRAL = ChatTemplateModelsTest.model("mixtral-8x22b-instruct-v0.1");
    private static final ChatTemplateRenderer QWEN_RENDERER = new ChatTemplateRenderer(QWEN);
    private static final ChatTemplateRenderer MISTRAL_RENDERER = new ChatTemplateRenderer(MISTRAL);

    // user, assistant, user, ... ending with a user turn; texts from the list, reused cyclically.
    private static List<ChatMessage> turns(List<String> texts, int userTurns) {
        List<ChatMessage> out = new ArrayList<>();
        for (int k = 0; k < 2 * userTurns - 1; k++) {
            out.add(new ChatMessage(k % 2 == 0 ? "user" : "assistant", texts.get(k % texts.size())));
        }
        return out;
    }

    // ChatML as Qwen2.5 writes it: a default system message when the conversation has none.
    private static String chatMl(List<ChatMessage> messages) {
        StringBuilder out = new StringBuilder();
        if (!messages.get(0).role().equals("system")) {
            out.append("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                    + "<|im_end|>\n");
        }
        for (ChatMessage m : messages) {
            out.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
        }
        return out.toString();
    }

    // Mistral v3 without a system message: <s>[INST] user[/INST] assistant</s>...
    private static String mistral(List<ChatMessage> messages) {
        StringBuilder out = new StringBuilder("<s>");
        for (ChatMessage m : messages) {
            out.append(m.role().equals("user") ? "[INST] " + m.content() + "[/INST]" : " " + m.content() + "</s>");
        }
        return out.toString();
    }

    @Test
    void qwenRendersAnyTextVerbatimInChatMl() {
        qt().withFixedSeed(5).withExamples(80)
                .forAll(lists().of(DataGenerators.unicodeStrings(0, 10)).ofSizeBetween(1, 4),
                        integers().between(1, 3), booleans().all(), DataGenerators.unicodeStrings(1, 10))
                .checkAssert((texts, userTurns, withSystem, answer) -> {
                    List<ChatMessage> prompt = new ArrayList<>();
                    if (withSystem) {
                        prompt.add(new ChatMessage("system", texts.get(0)));
                    }
                    prompt.addAll(turns(texts, userTurns));
                    List<ChatMessage> response = List.of(new ChatMessage("assistant", answer));
                    assertThat(QWEN_RENDERER.prompt(prompt)).isEqualTo(chatMl(prompt) + "<|im_start|>assistant\n");
                    assertThat(QWEN_RENDERER.response(prompt, response)).isEqualTo(answer + "<|im_end|>\n");
                });
    }

    @Test
    void mistralRendersAnyTextVerbatim() {
        qt().withFixedSeed(6).withExamples(80)
                .forAll(lists().of(DataGenerators.unicodeStrings(0, 10)).ofSizeBetween(1, 4),
                        integers().between(1, 3), DataGenerators.unicodeStrings(1, 10))
                .checkAssert((texts, userTurns, answer) -> {
                    List<ChatMessage> prompt = turns(texts, userTurns);
                    List<ChatMessage> response = List.of(new ChatMessage("assistant", answer));
                    assertThat(MISTRAL_RENDERER.prompt(prompt)).isEqualTo(mistral(prompt));
                    assertThat(MISTRAL_RENDERER.response(prompt, response)).isEqualTo(" " + answer + "</s>");
                });
    }
}
