package dev.allo.impl.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.data.ReadOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The chat template of a Hugging Face model directory, for reading conversational preference data the way the model
 * was trained to see it. A directory has one when its {@code tokenizer_config.json} has a {@code chat_template}
 * field or a {@code chat_template.jinja} file sits beside it (as newer {@code transformers} versions save it);
 * plain-text JSONL lines are never touched by it.
 *
 * <pre>{@code
 * List<PreferenceExample> pairs = JsonlPreferenceReader.readAll(jsonl, ModelChatTemplate.readOptions(modelDir));
 * }</pre>
 */
public final class ModelChatTemplate {
    /** The tokenizer configuration file of a model directory. */
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    /** The template file newer {@code transformers} versions save beside it. */
    public static final String TEMPLATE_FILE = "chat_template.jinja";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelChatTemplate() {}

    /**
     * The model's default chat template, if it has one.
     *
     * @param modelDirectory the model directory
     * @return the template, or empty when the directory has no {@code tokenizer_config.json} or it names no template
     * @throws AlloException if the configuration cannot be read
     * @throws IllegalArgumentException naming the file if it is not JSON or its template is malformed
     */
    public static Optional<ChatTemplate> find(Path modelDirectory) {
        Path config = modelDirectory.resolve(TOKENIZER_CONFIG);
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(config, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(config + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new AlloException("cannot read " + config + ": " + e, e);
        }
        JsonNode template = root == null ? null : root.get("chat_template");
        boolean has = (template != null && !template.isNull()) || Files.isRegularFile(
                modelDirectory.resolve(TEMPLATE_FILE));
        return has ? Optional.of(ChatTemplate.fromTokenizerConfig(config)) : Optional.empty();
    }

    /**
     * Read options that render conversational lines with the model's chat template when it has one, otherwise
     * {@link ReadOptions#defaults()} (the paper's single-turn downstream template).
     *
     * @param modelDirectory the model directory
     * @return the options; fail on the first bad line
     */
    public static ReadOptions readOptions(Path modelDirectory) {
        return find(modelDirectory).map(t -> ReadOptions.defaults().withRenderer(new ChatTemplateRenderer(t)))
                .orElseGet(ReadOptions::defaults);
    }
}
