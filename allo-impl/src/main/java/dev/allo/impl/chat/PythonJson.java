package dev.allo.impl.chat;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, the {@code tojson} filter of Hugging Face chat templates ({@code transformers}
 * replaces Jinja's HTML-escaping filter with {@code json.dumps(x, ensure_ascii=False, indent=None,
 * separators=None, sort_keys=False)}). The output matches Python's byte for byte for strings, booleans, null,
 * integers, lists and maps: item separator {@code ", "} without indent and {@code ","} with it, key separator
 * {@code ": "}, control characters as {@code \\uXXXX} (lower-case hex), non-ASCII text kept unless
 * {@code ensure_ascii}. Floating-point numbers follow Python's {@code repr} (exponent form below 1e-4 and from
 * 1e16).
 */
final class PythonJson {

    private final String indent;
    private final boolean ensureAscii;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /**
     * A serialiser with Python's options.
     *
     * @param indent {@code null} for one line; otherwise the text of one indentation level
     * @param ensureAscii whether to escape every non-ASCII character
     * @param separators {@code null} for the defaults, or the item and key separators
     * @param sortKeys whether to sort map keys
     */
    PythonJson(String indent, boolean ensureAscii, List<String> separators, boolean sortKeys) {
        this.indent = indent;
        this.ensureAscii = ensureAscii;
        this.itemSeparator = separators != null ? separators.get(0) : indent == null ? ", " : ",";
        this.keySeparator = separators != null ? separators.get(1) : ": ";
        this.sortKeys = sortKeys;
    }

    /**
     * Serialises a value.
     *
     * @param value a string, number, boolean, {@code null}, map, iterable or array, nested freely
     * @return the JSON text
     * @throws IllegalArgumentException for any other value (Python's {@code TypeError})
     */
    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private void write(StringBuilder out, Object v, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof CharSequence s) {
            string(out, s.toString());
        } else if (v instanceof Double || v instanceof Float) {
            out.append(floatRepr(((Number) v).doubleValue()));
        } else if (v instanceof BigDecimal d) {
            out.append(floatRepr(d.doubleValue()));
        } else if (v instanceof Number n) {
            out.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
        } else if (v instanceof Map<?, ?> m) {
            map(out, m, depth);
        } else if (v instanceof Iterable<?> it) {
            List<Object> items = new ArrayList<>();
            it.forEach(items::add);
            list(out, items, depth);
        } else if (v.getClass().isArray()) {
            List<Object> items = new ArrayList<>();
            for (int k = 0; k < Array.getLength(v); k++) {
                items.add(Array.get(v, k));
            }
            list(out, items, depth);
        } else {
            throw new IllegalArgumentException("tojson: a " + v.getClass().getSimpleName()
                    + " is not JSON serialisable");
        }
    }

    private void list(StringBuilder out, List<Object> items, int depth) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int k = 0; k < items.size(); k++) {
            out.append(k == 0 ? "" : itemSeparator);
            newline(out, depth + 1);
            write(out, items.get(k), depth + 1);
        }
        newline(out, depth);
        out.append(']');
    }

    private void map(StringBuilder out, Map<?, ?> m, int depth) {
        if (m.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
        }
        if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey(PythonJson::compareCodePoints));
        }
        out.append('{');
        for (int k = 0; k < entries.size(); k++) {
            out.append(k == 0 ? "" : itemSeparator);
            newline(out, depth + 1);
            string(out, entries.get(k).getKey());
            out.append(keySeparator);
            Object value = entries.get(k).getValue();
            write(out, value == NULL ? null : value, depth + 1);
        }
        newline(out, depth);
        out.append('}');
    }

    private static final Object NULL = new Object();

    // Python sorts str keys by code point; String.compareTo compares UTF-16 units.
    private static int compareCodePoints(String a, String b) {
        return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }

    // Python's key conversion: str as is, bool and None as JSON literals, numbers as their JSON text.
    private static String key(Object k) {
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof Double || k instanceof Float) {
            return floatRepr(((Number) k).doubleValue());
        }
        if (k instanceof CharSequence || k instanceof Number) {
            return k.toString();
        }
        throw new IllegalArgumentException("tojson: keys must be str, int, float, bool or None, not "
                + k.getClass().getSimpleName());
    }

    private void newline(StringBuilder out, int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void string(StringBuilder out, String s) {
        out.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || ensureAscii && c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code repr} of a float: the shortest digits that round-trip, in positional form for decimal
     * exponents from -4 to 15 (with at least one fractional digit) and as {@code d.ddde+XX} otherwise.
     *
     * @param d the value
     * @return the text
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = exact.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - exact.scale(); // d = digits[0].digits[1:] x 10^exponent
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = exact.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
