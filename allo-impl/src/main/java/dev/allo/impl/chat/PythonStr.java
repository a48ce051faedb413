package dev.allo.impl.chat;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values, for what Jinja2 prints: {@code True}/{@code False}
 * for booleans, {@code 1.0} and {@code 1e+20} for floats, {@code ['a', None]} for lists, {@code {'k': 1}} for maps
 * and {@code ('k', 1)} for the key-value pairs of {@code items()}. Jinjava prints {@code true}, {@code [a, null]} and
 * {@code {k=1}}. A Java {@code null} prints as empty text, as Jinja2 prints an undefined value (Jinjava does not tell
 * an undefined value from {@code None}); inside a list or map it is {@code None}.
 */
final class PythonStr {

    private PythonStr() {
    }

    /**
     * Python's {@code str(value)} (for a string, the string itself).
     *
     * @param value a template value
     * @return the text Jinja2 prints for it
     */
    static String str(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        return repr(value);
    }

    /**
     * Python's {@code repr(value)}.
     *
     * @param value a template value
     * @return the text
     */
    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        repr(out, value);
        return out.toString();
    }

    private static void repr(StringBuilder out, Object v) {
        if (v == null) {
            out.append("None");
        } else if (v instanceof Boolean b) {
            out.append(b ? "True" : "False");
        } else if (v instanceof Double || v instanceof Float) {
            out.append(floatRepr(((Number) v).doubleValue()));
        } else if (v instanceof BigDecimal d) {
            out.append(floatRepr(d.doubleValue()));
        } else if (v instanceof CharSequence s) {
            stringRepr(out, s.toString());
        } else if (v instanceof Map.Entry<?, ?> e) {
            out.append('(');
            repr(out, e.getKey());
            out.append(", ");
            repr(out, e.getValue());
            out.append(')');
        } else if (v instanceof Map<?, ?> m) {
            out.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                repr(out, e.getKey());
                out.append(": ");
                repr(out, e.getValue());
                if (it.hasNext()) {
                    out.append(", ");
                }
            }
            out.append('}');
        } else if (v instanceof Collection<?> c) {
            out.append('[');
            Iterator<?> it = c.iterator();
            while (it.hasNext()) {
                repr(out, it.next());
                if (it.hasNext()) {
                    out.append(", ");
                }
            }
            out.append(']');
        } else {
            out.append(v);
        }
    }

    // Python's float repr; JSON's spelling of the non-finite values differs.
    private static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        return PythonJson.floatRepr(d);
    }

    // Python's string repr: single quotes unless the text has a single quote and no double quote; backslash escapes
    // for the quote, the backslash, \n, \r, \t and characters that are not printable (str.isprintable).
    private static void stringRepr(StringBuilder out, String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (isPrintable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp < 0x100) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        });
        out.append(quote);
    }

    // Python's str.isprintable for one character: not in the categories Other (Cc, Cf, Cs, Co, Cn) or Separator
    // (Zl, Zp, Zs), except the ASCII space.
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
