package dev.allo.spark;

import dev.allo.data.ReadOptions;
import dev.allo.impl.chat.ModelChatTemplate;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read options of conversational rows per model directory, built once per JVM (an executor parses many rows
 * with the same template): {@link ModelChatTemplate#readOptions}, exactly what the single-machine pipeline uses.
 */
final class ChatTemplates {
    private static final Map<String, ReadOptions> OPTIONS = new ConcurrentHashMap<>();

    private ChatTemplates() {}

    static ReadOptions readOptions(String modelDirectory) {
        return OPTIONS.computeIfAbsent(modelDirectory, d -> ModelChatTemplate.readOptions(Path.of(d)));
    }
}
