package dev.allo.impl.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.data.ChatMessage;
import dev.allo.data.ConversationRenderer;
import dev.allo.data.MalformedDataException;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PreferenceReader;
import dev.allo.data.ReadOptions;
import dev.allo.data.ReadReport;
import dev.allo.data.SkippedLine;
import dev.allo.impl.io.JsonFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Streams {@link PreferenceExample}s from a JSON Lines file, one line in memory at a time.
 *
 * <p>Each non-blank line is one JSON object with TRL's field names:
 * <ul>
 *   <li>{@code prompt}, {@code chosen}, {@code rejected} (required): either non-empty strings (TRL's standard form)
 *       or lists of {@code {"role": ..., "content": ...}} messages (TRL's conversational form), rendered by
 *       {@link ReadOptions#renderer()}: the prompt through {@code prompt(messages)}, each response through
 *       {@code response(promptMessages, responseMessages)} (by default exactly one assistant message; a chat template
 *       renders it from the whole conversation). In TRL's implicit-prompt form {@code prompt} is absent and
 *       {@code chosen}, {@code rejected} are whole conversations: their shared leading messages are the prompt
 *       (as TRL's {@code extract_prompt} splits them);</li>
 *   <li>{@code reference} (optional): the ground-truth solution, a non-empty string ({@code null} = absent);</li>
 *   <li>{@code id} (optional): a non-empty string or an integer, kept as its decimal text ({@code null} = absent);
 *       </li>
 *   <li>any other field goes to {@link PreferenceExample#metadata()} unchanged.</li>
 * </ul>
 * Blank lines are skipped without comment. A malformed line (invalid UTF-8, invalid JSON, a duplicate key, content
 * after the object, a missing, empty, {@code null} or wrongly typed field, a string with an unpaired UTF-16
 * surrogate, a line over {@link Utf8LineReader#MAX_LINE_BYTES}) throws {@link MalformedDataException}
 * naming the file, line and field, or, with {@link ReadOptions#skipBadLines()}, is skipped and listed in
 * {@link #report()}.
 */
public final class JsonlPreferenceReader implements PreferenceReader {

    static final ObjectMapper MAPPER = JsonFiles.strict();

    private final Path file;
    private final ReadOptions options;
    private final Utf8LineReader lines;
    private final List<SkippedLine> skipped = new ArrayList<>();
    private long examples;
    private PreferenceExample next;
    private boolean done;

    private JsonlPreferenceReader(Path file, ReadOptions options, Utf8LineReader lines) {
        this.file = file;
        this.options = options;
        this.lines = lines;
    }

    /**
     * Opens a file with {@link ReadOptions#defaults()} (fail on the first bad line).
     *
     * @param file the JSONL file
     * @return the reader; the caller closes it
     */
    public static JsonlPreferenceReader open(Path file) {
        return open(file, ReadOptions.defaults());
    }

    /**
     * Opens a file.
     *
     * @param file the JSONL file
     * @param options skipping and conversation rendering
     * @return the reader; the caller closes it
     */
    public static JsonlPreferenceReader open(Path file, ReadOptions options) {
        return new JsonlPreferenceReader(file, options, new Utf8LineReader(file));
    }

    /**
     * Parses one line exactly as a reader of its file would, for readers of other sources (a Spark job's
     * partitions) that must give the same examples.
     *
     * @param file the file the line comes from (for messages)
     * @param line the line's number, from 1 (for messages)
     * @param text the line, not blank
     * @param options conversation rendering ({@link ReadOptions#skipBadLines()} does not apply)
     * @return the example
     * @throws MalformedDataException naming the file, line and field when the line is malformed
     */
    public static PreferenceExample parseLine(Path file, long line, String text, ReadOptions options) {
        return new JsonlPreferenceReader(file, options, null).parse(text, line);
    }

    /**
     * Reads a whole file into a list (for data that fits in memory).
     *
     * @param file the file
     * @param options the options
     * @return the examples in file order, at least one
     * @throws MalformedDataException naming the file if it holds no example (empty, blank, or every line skipped)
     */
    public static List<PreferenceExample> readAll(Path file, ReadOptions options) {
        try (JsonlPreferenceReader r = open(file, options)) {
            List<PreferenceExample> out = new ArrayList<>();
            r.forEachRemaining(out::add);
            if (out.isEmpty()) {
                ReadReport report = r.report();
                throw new MalformedDataException(file, report.lines(), null, "the file holds no preference pairs ("
                        + report.lines() + " lines, " + report.skipped().size() + " skipped as malformed)");
            }
            return out;
        }
    }

    @Override
    public boolean hasNext() {
        while (next == null && !done) {
            String text;
            try {
                text = lines.next();
            } catch (MalformedDataException e) {
                handle(e);
                continue;
            }
            if (text == null) {
                done = true;
                break;
            }
            if (text.isBlank()) {
                continue;
            }
            try {
                next = parse(text, lines.lineNumber());
            } catch (MalformedDataException e) {
                handle(e);
            }
        }
        return next != null;
    }

    @Override
    public PreferenceExample next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more examples in " + file);
        }
        PreferenceExample e = next;
        next = null;
        examples++;
        return e;
    }

    @Override
    public ReadReport report() {
        return new ReadReport(file, lines.lineNumber(), examples, skipped);
    }

    @Override
    public void close() {
        lines.close();
    }

    private void handle(MalformedDataException e) {
        if (!options.skipBadLines()) {
            throw e;
        }
        skipped.add(e.toSkippedLine());
    }

    private PreferenceExample parse(String text, long line) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new MalformedDataException(file, line, null, "invalid JSON: " + JsonFiles.describeInLine(e));
        }
        if (!root.isObject()) {
            throw new MalformedDataException(file, line, null, "expected a JSON object, got " + kind(root));
        }
        checkSurrogates(root, null, line);
        root = ImplicitPrompt.split(root, file, line);
        String prompt = promptField(root, line);
        String chosen = responseField(root, "chosen", line);
        String rejected = responseField(root, "rejected", line);
        Optional<String> reference = optionalText(root, "reference", line, false);
        Optional<String> id = optionalText(root, "id", line, true);
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (!PreferenceExample.RESERVED_FIELDS.contains(f.getKey())) {
                metadata.put(f.getKey(), MAPPER.convertValue(f.getValue(), Object.class));
            }
        }
        return new PreferenceExample(prompt, chosen, rejected, reference, id, metadata);
    }

    private String promptField(JsonNode root, long line) {
        JsonNode n = required(root, "prompt", line);
        if (n.isArray()) {
            List<ChatMessage> messages = messages(n, "prompt", line);
            try {
                return nonEmpty(options.renderer().prompt(messages), "prompt", line);
            } catch (IllegalArgumentException e) {
                throw new MalformedDataException(file, line, "prompt", e.getMessage());
            }
        }
        return text(n, "prompt", line);
    }

    private String responseField(JsonNode root, String field, long line) {
        JsonNode n = required(root, field, line);
        if (n.isArray()) {
            List<ChatMessage> messages = messages(n, field, line);
            JsonNode p = root.get("prompt");
            List<ChatMessage> prompt = p.isArray() ? messages(p, "prompt", line) : List.of();
            try {
                return options.renderer().response(prompt, messages);
            } catch (IllegalArgumentException e) {
                throw new MalformedDataException(file, line, field, e.getMessage());
            }
        }
        return text(n, field, line);
    }

    private JsonNode required(JsonNode root, String field, long line) {
        JsonNode n = root.get(field);
        if (n == null) {
            throw new MalformedDataException(file, line, field, "missing required field; the line has "
                    + fieldNames(root));
        }
        return n;
    }

    private String text(JsonNode n, String field, long line) {
        if (!n.isTextual()) {
            throw new MalformedDataException(file, line, field, "expected a string or a list of {\"role\", "
                    + "\"content\"} messages, got " + kind(n));
        }
        return nonEmpty(n.textValue(), field, line);
    }

    private String nonEmpty(String s, String field, long line) {
        if (s.isEmpty()) {
            throw new MalformedDataException(file, line, field, "must not be empty");
        }
        return s;
    }

    private Optional<String> optionalText(JsonNode root, String field, long line, boolean integerAllowed) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (integerAllowed && n.isIntegralNumber()) {
            return Optional.of(n.bigIntegerValue().toString());
        }
        if (!n.isTextual()) {
            throw new MalformedDataException(file, line, field, "expected a string" + (integerAllowed
                    ? " or an integer" : "") + ", got " + kind(n));
        }
        return Optional.of(nonEmpty(n.textValue(), field, line));
    }

    private List<ChatMessage> messages(JsonNode array, String field, long line) {
        if (array.isEmpty()) {
            throw new MalformedDataException(file, line, field, "the list of messages must not be empty");
        }
        List<ChatMessage> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode m = array.get(i);
            String at = field + "[" + i + "]";
            if (!m.isObject()) {
                throw new MalformedDataException(file, line, at, "expected a {\"role\", \"content\"} object, got "
                        + kind(m));
            }
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (role == null || !role.isTextual() || role.textValue().isBlank()) {
                throw new MalformedDataException(file, line, at + ".role", "expected a non-blank string, got "
                        + (role == null ? "nothing" : kind(role)));
            }
            if (content == null || !content.isTextual()) {
                throw new MalformedDataException(file, line, at + ".content", "expected a string, got "
                        + (content == null ? "nothing" : kind(content)));
            }
            out.add(new ChatMessage(role.textValue(), content.textValue()));
        }
        return out;
    }

    /**
     * Refuses a string or field name with an unpaired UTF-16 surrogate, which JSON's unicode escapes can encode
     * but no Unicode text (and so no tokenizer) holds.
     */
    private void checkSurrogates(JsonNode node, String path, long line) {
        if (node.isTextual()) {
            int at = JsonFiles.unpairedSurrogate(node.textValue());
            if (at >= 0) {
                throw new MalformedDataException(file, line, path, "unpaired UTF-16 surrogate "
                        + String.format("U+%04X", (int) node.textValue().charAt(at)) + " at character " + at
                        + "; expected Unicode text (a \\u escape of a surrogate must be followed by its pair)");
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                String child = path == null ? f.getKey() : path + "." + f.getKey();
                int at = JsonFiles.unpairedSurrogate(f.getKey());
                if (at >= 0) {
                    throw new MalformedDataException(file, line, path, "a field name has an unpaired UTF-16"
                            + " surrogate " + String.format("U+%04X", (int) f.getKey().charAt(at))
                            + " at character " + at + "; expected Unicode text");
                }
                checkSurrogates(f.getValue(), child, line);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkSurrogates(node.get(i), (path == null ? "" : path) + "[" + i + "]", line);
            }
        }
    }

    private static List<String> fieldNames(JsonNode root) {
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number (" + n.asText() + ")";
            case BOOLEAN -> "a boolean (" + n.asText() + ")";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase();
        };
    }
}
