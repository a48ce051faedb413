package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.data.ConversationRenderer;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.ReadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversationalReadTest {

    @TempDir
    Path dir;

    @Test
    void trlConversationalLinesRenderThroughTheDownstreamTemplateByDefault() throws IOException {
        Path file = dir.resolve("conv.jsonl");
        Files.writeString(file, "{\"prompt\":[{\"role\":\"user\",\"content\":\"What is 2+2?\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"4\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"5\"}],\"source\":\"gsm\"}\n");
        List<PreferenceExample> read = JsonlPreferenceReader.readAll(file, ReadOptions.defaults());
        assertThat(read).hasSize(1);
        PreferenceExample e = read.get(0);
        assertThat(e.prompt()).isEqualTo(PromptTemplate.downstream().fill(Map.of("instruction", "What is 2+2?")));
        assertThat(e.chosen()).isEqualTo("4");
        assertThat(e.rejected()).isEqualTo("5");
        assertThat(e.metadata()).containsEntry("source", "gsm");
    }

    @Test
    void multiTurnPromptsRenderWithRoleTemplates() throws IOException {
        Path file = dir.resolve("turns.jsonl");
        Files.writeString(file, "{\"prompt\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello\"},"
                + "{\"role\":\"user\",\"content\":\"2+2?\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"4\"}],\"rejected\":\"5\"}\n");
        ConversationRenderer chatMl = ConversationRenderer.turns(Map.of(
                "system", PromptTemplate.of("sys", "<|im_start|>system\n{content}<|im_end|>\n"),
                "user", PromptTemplate.of("usr", "<|im_start|>user\n{content}<|im_end|>\n"),
                "assistant", PromptTemplate.of("ast", "<|im_start|>assistant\n{content}<|im_end|>\n")),
                "<|im_start|>assistant\n");
        PreferenceExample e = JsonlPreferenceReader.readAll(file, ReadOptions.defaults().withRenderer(chatMl)).get(0);
        assertThat(e.prompt()).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(e.chosen()).isEqualTo("4");
        assertThat(e.rejected()).isEqualTo("5");
    }

    @Test
    void singleTurnTemplateMayUseTheSystemMessage() {
        ConversationRenderer r = ConversationRenderer.singleTurn(PromptTemplate.of("s", "[{system}] {instruction}"));
        assertThat(r.prompt(List.of(new dev.allo.data.ChatMessage("system", "S"),
                new dev.allo.data.ChatMessage("user", "U")))).isEqualTo("[S] U");
    }
}
