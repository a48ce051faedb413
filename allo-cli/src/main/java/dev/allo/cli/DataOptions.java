package dev.allo.cli;

import dev.allo.data.ConversationRenderer;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.ReadOptions;
import dev.allo.impl.chat.ChatTemplateRenderer;
import dev.allo.impl.chat.ModelChatTemplate;
import dev.allo.impl.data.JsonlPreferenceReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The {@code --data} JSONL file (TRL's preference format: explicit or implicit prompt, plain text or conversational)
 * and how conversational lines become text: by default the model's own chat template when its
 * {@code tokenizer_config.json} has one, else the paper's single-turn downstream template; {@code --prompt-template}
 * chooses. Plain-text lines are read as they are.
 */
final class DataOptions {
    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Preference pairs, JSONL in TRL's format (prompt, chosen, rejected; or chosen and rejected"
                    + " conversations with an implicit prompt).")
    Path data;

    @Option(names = "--prompt-template", paramLabel = "chat|downstream|FILE",
            description = "How conversational lines are rendered: chat = the model's chat template (the default"
                    + " when it has one), downstream = the paper's single-turn template (the default otherwise),"
                    + " or a template file with {instruction}.")
    String promptTemplate;

    @Option(names = "--skip-bad-lines", description = "Skip malformed lines (listed on stderr) instead of failing.")
    boolean skipBadLines;

    /** Used by picocli. */
    DataOptions() {}

    /**
     * Reads the pairs.
     *
     * @param modelDirectory the directory whose chat template renders conversations
     * @param log where to say how conversations are rendered and which lines were skipped
     * @return the pairs, at least one
     */
    List<PreferenceExample> read(Path modelDirectory, PrintWriter log) {
        ModelFiles.requireFile(data, "--data");
        ReadOptions options = options(modelDirectory).withSkipBadLines(skipBadLines);
        try (JsonlPreferenceReader reader = JsonlPreferenceReader.open(data, options)) {
            List<PreferenceExample> pairs = new java.util.ArrayList<>();
            reader.forEachRemaining(pairs::add);
            if (!reader.report().skipped().isEmpty()) {
                log.println(reader.report().summary());
            }
            if (pairs.isEmpty()) {
                throw new IllegalArgumentException("--data " + data + ": the file holds no preference pairs");
            }
            log.printf("Read %d pairs from %s (conversations: %s)%n", pairs.size(), data,
                    describe(options.renderer()));
            return pairs;
        }
    }

    private ReadOptions options(Path modelDirectory) {
        if (promptTemplate == null) {
            return ModelChatTemplate.readOptions(modelDirectory);
        }
        return switch (promptTemplate) {
            case "chat" -> ReadOptions.defaults().withRenderer(new ChatTemplateRenderer(ModelChatTemplate
                    .find(modelDirectory).orElseThrow(() -> new IllegalArgumentException("--prompt-template chat: "
                            + modelDirectory.resolve(ModelChatTemplate.TOKENIZER_CONFIG) + " has no chat_template"))));
            case "downstream" -> ReadOptions.defaults();
            default -> ReadOptions.defaults().withRenderer(ConversationRenderer.singleTurn(PromptTemplate.load(
                    ModelFiles.requireFile(Path.of(promptTemplate), "--prompt-template"))));
        };
    }

    private static String describe(ConversationRenderer renderer) {
        return renderer instanceof ChatTemplateRenderer r ? "chat template " + r.template().name()
                : "single-turn template";
    }
}
