package dev.allo.examples.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * JSON-aware mutations of one document: a value somewhere in the tree is replaced by a huge or boundary number, deep
 * nesting, a long string, an unpaired surrogate, a value of the wrong type or {@code null}; or a field is removed,
 * duplicated or renamed to a long name; or the whole document is replaced by a scalar. Edits are written as raw text
 * (through a placeholder), so values that a JSON library would refuse to build, such as 5,000 levels of nesting, are
 * produced exactly.
 */
final class JsonMutations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PLACEHOLDER = "@@fuzz-placeholder-7f3a@@";

    private static final String[] BOUNDARY_NUMBERS = {"-1", "0", "1", "2147483647", "2147483648", "-2147483648",
        "-2147483649", "4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "18446744073709551616", "1.5", "-0.0", "1e400", "-1e400", "1e-400", "100000001",
        "65536", "1000000"};
    private static final String[] WRONG_TYPES = {"\"x\"", "\"\"", "true", "false", "{}", "[]", "[1,2]",
        "{\"a\":1}", "[null]", "\"12\""};

    private JsonMutations() {}

    /**
     * Applies one random JSON-aware mutation.
     *
     * @param text a JSON document
     * @param rng the case's random source
     * @param log where the mutation's description is appended
     * @return the mutated text, or {@code null} when {@code text} is not valid JSON (the caller falls back to a byte
     *     mutation)
     */
    static String mutate(String text, Random rng, StringBuilder log) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (root == null || !root.isContainerNode() || rng.nextInt(40) == 0) {
            String whole = pick(rng, "", " ", "null", "[]", "1", "\"text\"", "{", "{}");
            log.append("replace the document by '").append(whole).append("'; ");
            return whole;
        }
        List<Slot> slots = new ArrayList<>();
        collect(root, "$", 0, slots);
        if (slots.isEmpty()) {
            return null;
        }
        // Half the time pick among shallow slots, so that structure fields are hit as often as the entries of a
        // large map (a vocabulary, a weight map).
        List<Slot> pool = slots;
        if (rng.nextBoolean()) {
            List<Slot> shallow = slots.stream().filter(s -> s.depth <= 2).toList();
            pool = shallow.isEmpty() ? slots : shallow;
        }
        Slot slot = pool.get(rng.nextInt(pool.size()));
        // A number is replaced by a boundary number half the time: sizes and ids are where loaders go wrong.
        int kind = slot.value().isNumber() && rng.nextBoolean() ? 1 : rng.nextInt(12);
        String raw;
        switch (kind) {
            case 0 -> raw = (rng.nextBoolean() ? "-" : "") + digits(1_000 + rng.nextInt(1_000), rng);
            case 1 -> raw = BOUNDARY_NUMBERS[rng.nextInt(BOUNDARY_NUMBERS.length)];
            case 2 -> {
                int depth = pick(rng, 999, 1_001, 5_000, 50_000);
                raw = rng.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                        : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
            }
            case 3 -> raw = quote("x".repeat(pick(rng, 20_001, 50_001, 1_000_001)));
            case 4 -> raw = pick(rng, "\"\\ud800\"", "\"a\\udc00b\"", "\"\\udbff\"", "\"\\u0000\"");
            case 5 -> raw = WRONG_TYPES[rng.nextInt(WRONG_TYPES.length)];
            case 6 -> raw = "null";
            case 7 -> {
                slot.remove();
                log.append("remove ").append(slot.path).append("; ");
                return write(root, null);
            }
            case 8 -> {
                if (slot.parent instanceof ObjectNode o) {
                    String dup = slot.key;
                    o.set(PLACEHOLDER + "k", slot.value());
                    log.append("duplicate key ").append(slot.path).append("; ");
                    return write(root, null).replace(quote(PLACEHOLDER + "k"), quote(dup));
                }
                raw = "null";
            }
            case 9 -> {
                if (slot.parent instanceof ObjectNode o) {
                    JsonNode v = slot.value();
                    o.remove(slot.key);
                    o.set(PLACEHOLDER + "k", v);
                    String name = "n".repeat(pick(rng, 50_001, 100_001, 1_000));
                    log.append("rename ").append(slot.path).append(" to a name of ").append(name.length())
                            .append(" characters; ");
                    return write(root, null).replace(quote(PLACEHOLDER + "k"), quote(name));
                }
                raw = "[]";
            }
            case 10 -> raw = (rng.nextBoolean() ? "" : "-") + (rng.nextInt(4) == 0 ? Long.toString(rng.nextLong())
                    : Integer.toString(rng.nextInt()));
            default -> {
                JsonNode v = slot.value();
                raw = v.isNumber() ? v.asText() + "0" : v.isTextual() ? quote(v.textValue() + v.textValue())
                        : "[" + v + "," + v + "]";
            }
        }
        slot.set(JSON.getNodeFactory().textNode(PLACEHOLDER));
        log.append("set ").append(slot.path).append(" to ").append(abbreviate(raw)).append("; ");
        return write(root, raw);
    }

    private static String write(JsonNode root, String raw) {
        try {
            String text = JSON.writeValueAsString(root);
            return raw == null ? text : text.replace(quote(PLACEHOLDER), raw);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a tree that was just parsed", e);
        }
    }

    private static void collect(JsonNode node, String path, int depth, List<Slot> out) {
        if (node instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = path + "." + e.getKey();
                out.add(new Slot(o, e.getKey(), -1, abbreviate(child), depth + 1));
                collect(e.getValue(), child, depth + 1, out);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                String child = path + "[" + i + "]";
                out.add(new Slot(a, null, i, abbreviate(child), depth + 1));
                collect(a.get(i), child, depth + 1, out);
            }
        }
    }

    private static String digits(int n, Random rng) {
        StringBuilder b = new StringBuilder(n);
        b.append((char) ('1' + rng.nextInt(9)));
        for (int i = 1; i < n; i++) {
            b.append((char) ('0' + rng.nextInt(10)));
        }
        return b.toString();
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 40) + "...(" + s.length() + " chars)" : s;
    }

    /**
     * A message cut to 300 characters for reports.
     *
     * @param s the text
     * @return the text, or its first 300 characters and its length
     */
    static String abbreviate300(String s) {
        return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
    }

    @SafeVarargs
    private static <T> T pick(Random rng, T... options) {
        return options[rng.nextInt(options.length)];
    }

    /** A place in the tree: a field of an object or an element of an array. */
    private static final class Slot {
        final JsonNode parent;
        final String key;
        final int index;
        final String path;
        final int depth;

        Slot(JsonNode parent, String key, int index, String path, int depth) {
            this.parent = parent;
            this.key = key;
            this.index = index;
            this.path = path;
            this.depth = depth;
        }

        JsonNode value() {
            return key != null ? parent.get(key) : parent.get(index);
        }

        void set(JsonNode v) {
            if (key != null) {
                ((ObjectNode) parent).set(key, v);
            } else {
                ((ArrayNode) parent).set(index, v);
            }
        }

        void remove() {
            if (key != null) {
                ((ObjectNode) parent).remove(key);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }
    }
}
