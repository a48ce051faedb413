package dev.allo.impl.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.AlloException;
import dev.allo.data.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading {@code tokenizer_config.json}: template forms, token forms and bad files. */
class ChatTemplateConfigTest {

    private static final List<ChatMessage> HI = List.of(new ChatMessage("user", "hi"));

    @TempDir
    Path dir;

    private Path config(String json) throws IOException {
        return Files.writeString(dir.resolve("tokenizer_config.json"), json);
    }

    @Test
    void addedTokenObjectsAndNullTokens() throws IOException {
        Path file = config("{\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<s>\", \"lstrip\": false},"
                + "\"eos_token\": \"</s>\", \"pad_token\": null,"
                + "\"chat_template\": \"{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"
                + "{% if pad_token is defined %}PAD{% endif %}\"}");
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(file);
        assertThat(t.render(HI, false)).isEqualTo("<s>hi</s>");
        assertThat(t.name()).isEqualTo(file.toString());
    }

    @Test
    void namedTemplatesPickDefaultOrTheGivenName() throws IOException {
        Path file = config("{\"chat_template\": ["
                + "{\"name\": \"default\", \"template\": \"D:{{ messages[0].content }}\"},"
                + "{\"name\": \"tool_use\", \"template\": \"T:{{ messages[0].content }}\"}]}");
        assertThat(ChatTemplate.fromTokenizerConfig(file).render(HI, false)).isEqualTo("D:hi");
        ChatTemplate tool = ChatTemplate.fromTokenizerConfig(file, "tool_use");
        assertThat(tool.render(HI, false)).isEqualTo("T:hi");
        assertThat(tool.name()).isEqualTo(file + "#tool_use");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(file, "rag"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": field 'chat_template' has no template named 'rag'; it has [default, tool_use]");
    }

    @Test
    void chatTemplateJinjaFileBesideTheConfig() throws IOException {
        Path file = config("{\"eos_token\": \"<e>\"}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": no 'chat_template' field and no chat_template.jinja beside it");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content }}{{ eos_token }}\n");
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(file);
        assertThat(t.render(HI, false)).isEqualTo("hi<e>");
        assertThat(t.name()).endsWith("chat_template.jinja");
    }

    @Test
    void badFilesNameTheFileAndField() throws IOException {
        Path notJson = config("{\"chat_template\": ");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(notJson))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(notJson + ": not valid JSON");
        Path badToken = config("{\"chat_template\": \"x\", \"eos_token\": 7}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(badToken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(badToken + ": field 'eos_token': expected a string or an object with a string 'content', "
                        + "got 7");
        Path badTemplate = config("{\"chat_template\": 3}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(badTemplate))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field 'chat_template'");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(dir.resolve("missing.json")))
                .isInstanceOf(AlloException.class).hasMessageContaining("missing.json");
    }
}
