package dev.allo.impl.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.ChatMessage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chat templates of five model families (test resources {@code chat-templates/}: templates written for these tests
 * that reproduce each family's published prompt format with the Jinja constructs its own template uses, see the
 * README there), rendered for a single-turn, a system + multi-turn and a Unicode conversation, plus tool results.
 * Every expected string is written out by hand from the model's published prompt format.
 */
class ChatTemplateModelsTest {

    private static final Clock SEPT_5_2024 = Clock.fixed(Instant.parse("2024-09-05T12:00:00Z"), ZoneOffset.UTC);

    private static final List<ChatMessage> SINGLE = List.of(user("What is 2+2?"));
    private static final List<ChatMessage> MULTI = List.of(user("Hi"), assistant("Hello. "), user("What is 2+2?"));
    private static final List<ChatMessage> SYSTEM_MULTI = List.of(new ChatMessage("system", "You are terse."),
            user("Hi"), assistant("Hello. "), user("What is 2+2?"));
    // Leading spaces and a trailing no-break space: Python's strip() (the templates' |trim) removes both.
    private static final List<ChatMessage> UNICODE = List.of(user("  Grüße aus Köln – 東京 🌸\u00a0"));
    private static final List<ChatMessage> FOUR = List.of(assistant("4"));
    private static final List<ChatMessage> UNICODE_ANSWER = List.of(assistant("Привет! «Ça va» 🙂"));

    private static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    private static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    static ChatTemplate model(String folder) {
        try {
            return ChatTemplate.fromTokenizerConfig(Path.of(ChatTemplateModelsTest.class
                    .getResource("/chat-templates/" + folder + "/tokenizer_config.json").toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertSplit(ChatTemplate t, List<ChatMessage> prompt, List<ChatMessage> response,
            String expectedPrompt, String expectedResponse) {
        ChatTemplateRenderer r = new ChatTemplateRenderer(t);
        assertThat(r.prompt(prompt)).isEqualTo(expectedPrompt);
        assertThat(r.response(prompt, response)).isEqualTo(expectedResponse);
        List<ChatMessage> all = new ArrayList<>(prompt);
        all.addAll(response);
        assertThat(t.render(all, false)).isEqualTo(expectedPrompt + expectedResponse);
    }

    // --- Llama 3.2 Instruct: header tokens, <|eot_id|>, a system block with the knowledge cut-off and today's date.

    private static final String LLAMA_SYSTEM_HEAD = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            + "Cutting Knowledge Date: December 2023\nToday Date: 05 Sep 2024\n\n";

    @Test
    void llama32SingleTurnHasTheDatedSystemBlockAndTheAssistantHeader() {
        ChatTemplate t = model("llama-3.2-3b-instruct").withClock(SEPT_5_2024);
        assertSplit(t, SINGLE, FOUR,
                LLAMA_SYSTEM_HEAD + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                "4<|eot_id|>");
    }

    @Test
    void llama32SystemAndMultiTurnTrimsEveryMessage() {
        ChatTemplate t = model("llama-3.2-3b-instruct").withClock(SEPT_5_2024);
        assertSplit(t, SYSTEM_MULTI, FOUR,
                LLAMA_SYSTEM_HEAD + "You are terse.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                "4<|eot_id|>");
    }

    @Test
    void llama32UnicodeIsTrimmedWithPythonWhitespace() {
        ChatTemplate t = model("llama-3.2-3b-instruct").withClock(SEPT_5_2024);
        assertSplit(t, UNICODE, UNICODE_ANSWER,
                LLAMA_SYSTEM_HEAD + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nGrüße aus Köln – 東京 🌸"
                        + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                "Привет! «Ça va» 🙂<|eot_id|>");
    }

    @Test
    void llama32DateStringVariableOverridesTheClock() {
        ChatTemplate t = model("llama-3.2-3b-instruct").withClock(SEPT_5_2024)
                .withVariables(Map.of("date_string", "26 Jul 2024"));
        assertThat(t.render(SINGLE, true)).startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>"
                + "\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>");
    }

    @Test
    void llama32ToolOutputIsJsonEncodedAndAnUnknownRoleRaises() {
        ChatTemplate t = model("llama-3.2-3b-instruct").withClock(SEPT_5_2024);
        List<ChatMessage> withTool = List.of(user("Weather?"), assistant("Calling."),
                new ChatMessage("tool", "22°C \"sunny\""));
        assertThat(t.render(withTool, true)).isEqualTo(LLAMA_SYSTEM_HEAD + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWeather?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nCalling.<|eot_id|>"
                + "<|start_header_id|>ipython<|end_header_id|>\n\n\"22°C \\\"sunny\\\"\"<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThatThrownBy(() -> t.render(List.of(new ChatMessage("function", "x")), true))
                .isInstanceOfSatisfying(ChatTemplateException.class,
                        e -> assertThat(e.templateMessage()).isEqualTo("Unknown role 'function' at message 1"));
    }

    // --- Qwen2.5 Instruct: ChatML, a default system message, no BOS, content kept verbatim.

    private static final String QWEN25_DEFAULT_SYSTEM = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. "
            + "You are a helpful assistant.<|im_end|>\n";

    @Test
    void qwen25SingleTurnGetsTheDefaultSystemMessage() {
        assertSplit(model("qwen2.5-7b-instruct"), SINGLE, FOUR,
                QWEN25_DEFAULT_SYSTEM + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
                "4<|im_end|>\n");
    }

    @Test
    void qwen25SystemAndMultiTurnKeepsContentVerbatim() {
        assertSplit(model("qwen2.5-7b-instruct"), SYSTEM_MULTI, FOUR,
                "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nHello. <|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                "4<|im_end|>\n");
    }

    @Test
    void qwen25Unicode() {
        assertSplit(model("qwen2.5-7b-instruct"), UNICODE, UNICODE_ANSWER,
                QWEN25_DEFAULT_SYSTEM + "<|im_start|>user\n  Grüße aus Köln – 東京 🌸\u00a0<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                "Привет! «Ça va» 🙂<|im_end|>\n");
    }

    // --- Qwen3: ChatML without a default system message; the answer to the last query gets a <think> block.

    @Test
    void qwen3SingleTurnResponseCarriesTheEmptyThinkBlock() {
        assertSplit(model("qwen3-0.6b"), SINGLE, FOUR,
                "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
                "<think>\n\n</think>\n\n4<|im_end|>\n");
    }

    @Test
    void qwen3SystemAndMultiTurnOnlyTheLastAnswerThinks() {
        assertSplit(model("qwen3-0.6b"), SYSTEM_MULTI, FOUR,
                "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nHello. <|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                "<think>\n\n</think>\n\n4<|im_end|>\n");
    }

    @Test
    void qwen3UnicodeAndReasoningSplitFromTheContent() {
        assertSplit(model("qwen3-0.6b"), UNICODE, List.of(assistant("<think>\nÜberlegung\n</think>\n\nПривет 🙂")),
                "<|im_start|>user\n  Grüße aus Köln – 東京 🌸\u00a0<|im_end|>\n<|im_start|>assistant\n",
                "<think>\nÜberlegung\n</think>\n\nПривет 🙂<|im_end|>\n");
    }

    @Test
    void qwen3WithThinkingDisabledThePromptEndsWithTheEmptyThinkBlock() {
        ChatTemplate t = model("qwen3-0.6b").withVariables(Map.of("enable_thinking", false));
        assertSplit(t, SINGLE, FOUR,
                "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                "4<|im_end|>\n");
    }

    @Test
    void qwenToolResultsShareOneUserTurnAndAreNoQuery() {
        List<ChatMessage> tools = List.of(user("Weather in Köln?"),
                assistant("<think>\nneed tool\n</think>\n\nChecking."), new ChatMessage("tool", "12°C"),
                new ChatMessage("tool", "rain"));
        String toolTurn = "<|im_start|>user\n<tool_response>\n12°C\n</tool_response>\n<tool_response>\nrain\n"
                + "</tool_response><|im_end|>\n";
        assertThat(model("qwen2.5-7b-instruct").render(tools, true)).isEqualTo(QWEN25_DEFAULT_SYSTEM
                + "<|im_start|>user\nWeather in Köln?<|im_end|>\n<|im_start|>assistant\n<think>\nneed tool\n</think>"
                + "\n\nChecking.<|im_end|>\n" + toolTurn + "<|im_start|>assistant\n");
        // Qwen3: the last query is the user question, not the tool turn, so both answers after it keep their reasoning.
        List<ChatMessage> all = new ArrayList<>(tools);
        all.add(assistant("<think>\nhave it\n</think>\n\n12°C and rain."));
        assertThat(model("qwen3-0.6b").render(all, false)).isEqualTo("<|im_start|>user\nWeather in Köln?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nneed tool\n</think>\n\nChecking.<|im_end|>\n" + toolTurn
                + "<|im_start|>assistant\n<think>\nhave it\n</think>\n\n12°C and rain.<|im_end|>\n");
    }

    // --- Mistral v3 (Mixtral 8x22B Instruct): <s>[INST] user[/INST] answer</s>, system text in the last user turn.

    @Test
    void mistralSingleTurn() {
        assertSplit(model("mixtral-8x22b-instruct-v0.1"), SINGLE, FOUR,
                "<s>[INST] What is 2+2?[/INST]", " 4</s>");
    }

    @Test
    void mistralMultiTurnWithoutSystem() {
        assertSplit(model("mixtral-8x22b-instruct-v0.1"), MULTI, FOUR,
                "<s>[INST] Hi[/INST] Hello. </s>[INST] What is 2+2?[/INST]", " 4</s>");
    }

    @Test
    void mistralPutsTheSystemMessageIntoTheLastUserTurnSoThePromptIsNoPrefix() {
        ChatTemplate t = model("mixtral-8x22b-instruct-v0.1");
        assertThat(t.render(SYSTEM_MULTI, true))
                .isEqualTo("<s>[INST] Hi[/INST] Hello. </s>[INST] You are terse.\n\nWhat is 2+2?[/INST]");
        List<ChatMessage> all = new ArrayList<>(SYSTEM_MULTI);
        all.add(assistant("4"));
        assertThat(t.render(all, false)).isEqualTo("<s>[INST] Hi[/INST] Hello. </s>[INST] What is 2+2?[/INST] 4</s>");
        int at = "<s>[INST] Hi[/INST] Hello. </s>[INST] ".length();
        assertThatThrownBy(() -> new ChatTemplateRenderer(t).response(SYSTEM_MULTI, FOUR))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a prefix")
                .hasMessageContaining("differ at character " + at)
                .hasMessageContaining("the prompt has \"You are terse.\\n\\nWhat is ...\"")
                .hasMessageContaining("the conversation has \"What is 2+2?[/INST] 4</s...\"");
    }

    @Test
    void mistralUnicodeAndAlternationCheck() {
        ChatTemplate t = model("mixtral-8x22b-instruct-v0.1");
        assertSplit(t, UNICODE, UNICODE_ANSWER,
                "<s>[INST]   Grüße aus Köln – 東京 🌸\u00a0[/INST]", " Привет! «Ça va» 🙂</s>");
        assertThatThrownBy(() -> t.render(List.of(user("a"), user("b")), true))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                    assertThat(e.raisedByTemplate()).isTrue();
                    assertThat(e.templateMessage()).isEqualTo("After the optional system message, conversation "
                            + "roles must alternate user/assistant/user/assistant/...");
                });
    }

    // --- Gemma 2: <bos><start_of_turn>user ... <end_of_turn>, "model" for the assistant, no system role.

    @Test
    void gemma2SingleTurn() {
        assertSplit(model("gemma-2-2b-it"), SINGLE, FOUR,
                "<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n", "4<end_of_turn>\n");
    }

    @Test
    void gemma2MultiTurnTrimsAndRenamesTheAssistant() {
        assertSplit(model("gemma-2-2b-it"), MULTI, FOUR,
                "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
                        + "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n",
                "4<end_of_turn>\n");
    }

    @Test
    void gemma2RaisesOnASystemMessageAndOnRolesOutOfTurn() {
        assertThatThrownBy(() -> new ChatTemplateRenderer(model("gemma-2-2b-it")).prompt(SYSTEM_MULTI))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                    assertThat(e.raisedByTemplate()).isTrue();
                    assertThat(e.templateMessage()).isEqualTo("System role not supported");
                    assertThat(e.getMessage()).contains("gemma-2-2b-it").endsWith("System role not supported");
                });
        assertThatThrownBy(() -> model("gemma-2-2b-it").render(List.of(user("a"), user("b")), true))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.templateMessage())
                        .isEqualTo("Conversation roles must alternate user/assistant/user/assistant/..."));
    }

    @Test
    void gemma2Unicode() {
        assertSplit(model("gemma-2-2b-it"), UNICODE, UNICODE_ANSWER,
                "<bos><start_of_turn>user\nGrüße aus Köln – 東京 🌸<end_of_turn>\n<start_of_turn>model\n",
                "Привет! «Ça va» 🙂<end_of_turn>\n");
    }

    @Test
    void specialTokensComeFromTheConfiguration() {
        assertThat(model("gemma-2-2b-it").specialTokens()).containsEntry("bos_token", "<bos>")
                .containsEntry("eos_token", "<eos>").containsEntry("pad_token", "<pad>")
                .containsEntry("additional_special_tokens", List.of("<start_of_turn>", "<end_of_turn>"));
        assertThat(model("qwen2.5-7b-instruct").specialTokens()).doesNotContainKey("bos_token")
                .containsEntry("eos_token", "<|im_end|>");
    }
}
