package dev.allo.impl.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.allo.AlloException;
import dev.allo.impl.io.JsonFiles;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks that a parsed {@code tokenizer.json} is also acceptable to {@code serde_json}, the parser of the Rust
 * {@code tokenizers} library, before that library sees it. Some of the library's deserializers treat a parse error
 * inside a component (a decoder, for example) as a panic, and a panic inside the native call aborts the JVM; so what
 * {@code serde_json} would refuse is refused here first, with the file and the JSON path: nesting deeper than
 * {@value #MAX_DEPTH} levels ({@code serde_json} stops at 128), strings or names with an unpaired surrogate, and
 * numbers beyond the range of a double.
 */
final class SerdeCompatibility {
    /** The deepest nesting accepted (well below {@code serde_json}'s recursion limit of 128). */
    static final int MAX_DEPTH = 100;

    private SerdeCompatibility() {}

    /**
     * Checks a tree.
     *
     * @param root the parsed file
     * @param file the file, for messages
     * @throws AlloException naming the file, the JSON path and the problem
     */
    static void check(JsonNode root, Path file) {
        check(root, "$", 0, file);
    }

    private static void check(JsonNode node, String path, int depth, Path file) {
        if (node.isContainerNode() && depth >= MAX_DEPTH) {
            throw fail(file, path, "nesting deeper than " + MAX_DEPTH + " levels");
        }
        if (node.isTextual()) {
            int at = JsonFiles.unpairedSurrogate(node.textValue());
            if (at >= 0) {
                throw fail(file, path, String.format("an unpaired UTF-16 surrogate U+%04X at character %d",
                        (int) node.textValue().charAt(at), at));
            }
        } else if (node.isNumber() && Double.isInfinite(node.doubleValue())) {
            throw fail(file, path, "a number beyond the range of a double: " + abbreviate(node.asText()));
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                String child = path + "." + abbreviate(f.getKey());
                if (JsonFiles.unpairedSurrogate(f.getKey()) >= 0) {
                    throw fail(file, child, "a field name with an unpaired UTF-16 surrogate");
                }
                check(f.getValue(), child, depth + 1, file);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), path + "[" + i + "]", depth + 1, file);
            }
        }
    }

    private static AlloException fail(Path file, String path, String what) {
        return new AlloException("tokenizer file " + file + " has " + what + " at " + path
                + "; the tokenizers library cannot parse it");
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }
}
