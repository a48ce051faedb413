package dev.allo.impl.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.impl.data.JsonlPreferenceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model directory's chat template renders conversational JSONL when the directory has one (in
 * {@code tokenizer_config.json} or {@code chat_template.jinja}); otherwise the reader's defaults apply, and plain-text
 * lines are unchanged either way. Expected strings are written by hand from the ChatML format.
 */
class ModelChatTemplateTest {
    private static final String CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}"
            + "<|im_end|>\\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}";
    private static final String CONVERSATION = "{\"prompt\":[{\"role\":\"user\",\"content\":\"2+2?\"}],"
            + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"4\"}],"
            + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"5\"}]}";
    private static final String PLAIN = "{\"prompt\":\"2+2?\",\"chosen\":\"4\",\"rejected\":\"5\"}";

    @TempDir
    Path dir;

    private Path data() throws IOException {
        return Files.writeString(dir.resolve("data.jsonl"), CONVERSATION + "\n" + PLAIN + "\n");
    }

    @Test
    void aTemplateInTokenizerConfigRendersConversationsAndLeavesPlainTextAlone() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("tokenizer_config.json"),
                "{\"eos_token\": \"<|im_end|>\", \"chat_template\": \"" + CHATML + "\"}");
        assertThat(ModelChatTemplate.find(model)).isPresent();
        List<PreferenceExample> pairs = JsonlPreferenceReader.readAll(data(), ModelChatTemplate.readOptions(model));
        assertThat(pairs.get(0).prompt()).isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(pairs.get(0).chosen()).isEqualTo("4<|im_end|>\n");
        assertThat(pairs.get(0).rejected()).isEqualTo("5<|im_end|>\n");
        assertThat(pairs.get(1).prompt()).isEqualTo("2+2?");
        assertThat(pairs.get(1).chosen()).isEqualTo("4");
    }

    @Test
    void aTemplateFileBesideTheConfigIsFoundToo() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\"}");
        Files.writeString(model.resolve("chat_template.jinja"), CHATML.replace("\\n", "\n"));
        List<PreferenceExample> pairs = JsonlPreferenceReader.readAll(data(), ModelChatTemplate.readOptions(model));
        assertThat(pairs.get(0).chosen()).isEqualTo("4<|im_end|>\n");
    }

    @Test
    void withoutATemplateTheReaderDefaultsApply() throws IOException {
        Path bare = Files.createDirectories(dir.resolve("bare"));
        Path noTemplate = Files.createDirectories(dir.resolve("no-template"));
        Files.writeString(noTemplate.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        List<PreferenceExample> expected = JsonlPreferenceReader.readAll(data(), ReadOptions.defaults());
        for (Path model : List.of(bare, noTemplate)) {
            assertThat(ModelChatTemplate.find(model)).as("%s", model).isEmpty();
            assertThat(JsonlPreferenceReader.readAll(data(), ModelChatTemplate.readOptions(model))).as("%s", model)
                    .isEqualTo(expected);
        }
        assertThat(expected.get(0).prompt()).contains("2+2?").isNotEqualTo("2+2?"); // the downstream template
    }

    @Test
    void aConfigThatIsNotJsonIsRefusedNamingTheFile() throws IOException {
        Path model = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(model.resolve("tokenizer_config.json"), "{not json");
        assertThatThrownBy(() -> ModelChatTemplate.find(model)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer_config.json").hasMessageContaining("not valid JSON");
    }
}
