package dev.allo.impl.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.data.MalformedDataException;
import java.nio.file.Path;

/**
 * TRL's implicit-prompt conversational form: a line without {@code prompt} whose {@code chosen} and {@code rejected}
 * are whole conversations. The prompt is the messages both conversations start with (equal role, content and any
 * other field); {@code chosen} and {@code rejected} keep the rest. TRL's {@code extract_prompt} makes the same split.
 *
 * <p>After the split, message indices in error messages ({@code chosen[0].content}) count from the first message
 * after the shared prompt.
 */
final class ImplicitPrompt {

    private ImplicitPrompt() {
    }

    /**
     * Splits an implicit-prompt line into the explicit form; any other line is returned as it is.
     *
     * @param root the line's JSON object
     * @param file the file, for errors
     * @param line the 1-based line number, for errors
     * @return {@code root} if it has a {@code prompt} field or its {@code chosen} and {@code rejected} are not both
     *     non-empty lists; otherwise a copy with {@code prompt} = the shared leading messages and {@code chosen},
     *     {@code rejected} = the remaining messages of each
     * @throws MalformedDataException if the conversations share no leading message, or one of them has nothing after
     *     the shared messages (identical conversations, or one a prefix of the other)
     */
    static JsonNode split(JsonNode root, Path file, long line) {
        JsonNode chosen = root.get("chosen");
        JsonNode rejected = root.get("rejected");
        if (root.has("prompt") || chosen == null || rejected == null || !chosen.isArray() || !rejected.isArray()
                || chosen.isEmpty() || rejected.isEmpty()) {
            return root;
        }
        int shared = 0;
        while (shared < chosen.size() && shared < rejected.size() && chosen.get(shared).equals(rejected.get(shared))) {
            shared++;
        }
        if (shared == 0) {
            throw new MalformedDataException(file, line, "prompt", "missing, and chosen and rejected share no leading "
                    + "message to take as the implicit prompt (their first messages differ)");
        }
        if (shared == chosen.size() || shared == rejected.size()) {
            String empty = shared == chosen.size() ? "chosen" : "rejected";
            throw new MalformedDataException(file, line, empty, "implicit prompt: all " + shared + " messages of "
                    + empty + " are shared with " + (empty.equals("chosen") ? "rejected" : "chosen")
                    + ", leaving no response");
        }
        ObjectNode out = ((ObjectNode) root).deepCopy();
        out.set("prompt", slice(chosen, 0, shared));
        out.set("chosen", slice(chosen, shared, chosen.size()));
        out.set("rejected", slice(rejected, shared, rejected.size()));
        return out;
    }

    private static ArrayNode slice(JsonNode array, int from, int to) {
        ArrayNode out = JsonlPreferenceReader.MAPPER.createArrayNode();
        for (int k = from; k < to; k++) {
            out.add(array.get(k));
        }
        return out;
    }
}
