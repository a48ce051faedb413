package dev.allo.impl.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the text {@code "false"} true in templates. Jinjava treats a string equal to {@code false} (any case) as
 * false in {@code {% if %}}, {@code not}, {@code and}/{@code or} and loop filters, where Python treats every
 * non-empty string as true: an answer {@code "False"} would vanish from templates that test
 * {@code {% if message.content %}}. Before rendering, every such string in the input (message contents and roles,
 * variables, nested lists and maps) is replaced by a placeholder of digits that is true for Jinjava and survives
 * {@code trim}, {@code tojson}, slicing at its ends and case changes; after rendering the placeholders are replaced by
 * the original strings. A template that inspects such a string character by character ({@code |length},
 * {@code == 'False'}, {@code |upper}) sees the placeholder instead.
 */
final class FalseTextGuard {

    private static final String PREFIX = "80746338195";

    private final String template;
    private final Map<String, String> originals = new LinkedHashMap<>(); // placeholder -> original text

    /**
     * A guard for one rendering.
     *
     * @param template the template's source (placeholders never occur in it)
     */
    FalseTextGuard(String template) {
        this.template = template;
    }

    /**
     * The value with each string equal to {@code false} (ignoring case) replaced by a placeholder.
     *
     * @param value a string, number, boolean, list or map (of such values), or null
     * @return the guarded value; the value itself when nothing is replaced
     */
    Object guard(Object value) {
        if (value instanceof String s) {
            return s.equalsIgnoreCase("false") ? placeholder(s) : s;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(guard(v)));
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, guard(v)));
            return out;
        }
        return value;
    }

    /**
     * The rendered text with the placeholders replaced by the original strings.
     *
     * @param rendered the template's output
     * @return the text
     */
    String restore(String rendered) {
        String out = rendered;
        for (Map.Entry<String, String> e : originals.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    private String placeholder(String original) {
        for (Map.Entry<String, String> e : originals.entrySet()) {
            if (e.getValue().equals(original)) {
                return e.getKey();
            }
        }
        String p = PREFIX + originals.size();
        while (template.contains(p)) {
            p = p + "0";
        }
        originals.put(p, original);
        return p;
    }
}
