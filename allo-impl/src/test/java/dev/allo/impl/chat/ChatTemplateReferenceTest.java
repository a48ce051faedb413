package dev.allo.impl.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.data.ChatMessage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders chat templates with the library and compares each result exactly with what Python's Jinja2 gives in
 * {@code transformers}' {@code apply_chat_template} environment. The expected strings are files written by
 * {@code src/test/python/render_chat_templates.py} (the reference renderer; see its header): always the checked-in
 * {@code chat-templates/renderings.json} for the template folders beside it, and in addition every file named in the
 * system property {@code allo.chatTemplates.renderings} (comma-separated paths, each with its template folders
 * beside it), which is how a directory of models' own {@code tokenizer_config.json} files is checked. For each
 * conversation that ends with an assistant message it also checks {@link ChatTemplateRenderer}'s split against TRL's
 * (prompt rendered with the generation prompt; completion = what the whole rendering adds; refused when the prompt's
 * rendering is no prefix):
 *
 * <pre>{@code
 * python3 allo-impl/src/test/python/render_chat_templates.py /path/to/templates /path/to/templates/renderings.json
 * ./mvnw -o -B -pl allo-impl -am test -Dtest=ChatTemplateReferenceTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dallo.chatTemplates.renderings=/path/to/templates/renderings.json
 * }</pre>
 */
class ChatTemplateReferenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PROPERTY = "allo.chatTemplates.renderings";

    @TestFactory
    Stream<DynamicNode> rendersAsPythonJinja2InTransformers() throws IOException, URISyntaxException {
        List<Path> files = new ArrayList<>();
        files.add(Path.of(ChatTemplateReferenceTest.class.getResource("/chat-templates/renderings.json").toURI()));
        String extra = System.getProperty(PROPERTY, "");
        for (String p : extra.split(",")) {
            if (!p.isBlank()) {
                files.add(Path.of(p.strip()));
            }
        }
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : files) {
            nodes.add(DynamicContainer.dynamicContainer(file.toString(), renderings(file)));
        }
        return nodes.stream();
    }

    private static Stream<DynamicNode> renderings(Path file) throws IOException {
        JsonNode root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        Clock clock = Clock.fixed(OffsetDateTime.parse(root.get("clock").textValue()).toInstant(),
                OffsetDateTime.parse(root.get("clock").textValue()).getOffset());
        List<DynamicNode> folders = new ArrayList<>();
        for (JsonNode folder : root.get("templates")) {
            String name = folder.get("folder").textValue();
            ChatTemplate template = ChatTemplate.fromTokenizerConfig(file.resolveSibling(name)
                    .resolve("tokenizer_config.json")).withClock(clock);
            List<DynamicNode> tests = new ArrayList<>();
            for (JsonNode r : folder.get("renderings")) {
                boolean generation = r.get("add_generation_prompt").booleanValue();
                tests.add(DynamicTest.dynamicTest(r.get("case").textValue() + " add_generation_prompt=" + generation,
                        () -> check(template, r, generation)));
            }
            for (JsonNode split : folder.get("splits")) {
                tests.add(DynamicTest.dynamicTest(split.get("case").textValue() + " split",
                        () -> checkSplit(template, split)));
            }
            folders.add(DynamicContainer.dynamicContainer(name, tests));
        }
        return folders.stream();
    }

    // TRL's split of a conversation ending with an assistant message: the prompt is rendered with the generation
    // prompt, the completion is what the whole conversation adds; a prompt that is no prefix is refused.
    private static void checkSplit(ChatTemplate template, JsonNode split) {
        List<ChatMessage> messages = messages(split);
        ChatTemplateRenderer renderer = new ChatTemplateRenderer(template.withVariables(kwargs(split)));
        List<ChatMessage> prompt = messages.subList(0, messages.size() - 1);
        List<ChatMessage> response = messages.subList(messages.size() - 1, messages.size());
        assertThat(renderer.prompt(prompt)).isEqualTo(split.get("prompt").textValue());
        if (split.get("prefix").booleanValue()) {
            assertThat(renderer.response(prompt, response)).isEqualTo(split.get("completion").textValue());
        } else {
            assertThatThrownBy(() -> renderer.response(prompt, response))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a prefix");
        }
    }

    private static List<ChatMessage> messages(JsonNode r) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : r.get("messages")) {
            messages.add(new ChatMessage(m.get("role").textValue(), m.get("content").textValue()));
        }
        return messages;
    }

    private static Map<String, Object> kwargs(JsonNode r) {
        return JSON.convertValue(r.get("kwargs"), new TypeReference<Map<String, Object>>() { });
    }

    private static void check(ChatTemplate template, JsonNode r, boolean generation) {
        List<ChatMessage> messages = messages(r);
        ChatTemplate t = template.withVariables(kwargs(r));
        if (r.has("expected")) {
            assertThat(t.render(messages, generation)).isEqualTo(r.get("expected").textValue());
        } else {
            assertThatThrownBy(() -> t.render(messages, generation))
                    .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                        // raise_exception's message exactly; an engine failure (Jinja2's UndefinedError) by kind only
                        assertThat(e.raisedByTemplate()).isEqualTo(r.get("raised").booleanValue());
                        if (e.raisedByTemplate()) {
                            assertThat(e.templateMessage()).isEqualTo(r.get("error").textValue());
                        }
                    });
        }
    }
}
