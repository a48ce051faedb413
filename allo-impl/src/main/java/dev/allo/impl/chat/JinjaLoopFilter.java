package dev.allo.impl.chat;

/**
 * Rewrites a Jinja2 loop filter, {@code for target in items if condition}, for Jinjava. Jinjava reads
 * {@code items if condition} as a conditional expression (the condition evaluated once, without the loop variable),
 * so it either loops over every item or over none. In Jinja2 the condition is evaluated per item with the loop
 * variable bound, and {@code loop.index}, {@code loop.first}, {@code loop.last} and {@code loop.length} count only the
 * items that pass (Mistral's tool listing relies on {@code loop.last} there). The rewrite first collects the passing
 * items and then loops over them:
 *
 * <pre>
 * set _allo_kept_N = [] %}{% for _allo_item_N in items %}{% for target in [_allo_item_N] %}{% if condition %}
 * {% do _allo_kept_N.append(_allo_item_N) %}{% endif %}{% endfor %}{% endfor %}{% for target in _allo_kept_N
 * </pre>
 *
 * <p>(one line, no text between the tags, so whitespace control and {@code trim_blocks} act on the surrounding text as
 * before). The inner one-item loop binds the target as the loop does, including {@code key, value} pairs. As in
 * Jinja2's parser, the first {@code if} after the iterable at bracket depth zero starts the filter.
 */
final class JinjaLoopFilter {

    private JinjaLoopFilter() {
    }

    /**
     * Rewrites the code of one {@code {% %}} tag if it is a filtered loop.
     *
     * @param code the tag's code, without the delimiters and whitespace-control markers
     * @param id a number unique within the template, for the helper variables' names
     * @return the rewritten code, or {@code code} itself when it is not a filtered {@code for}
     */
    static String rewrite(String code, int id) {
        int forAt = firstNonSpace(code);
        if (!isWordAt(code, forAt, "for")) {
            return code;
        }
        int in = topLevelWord(code, forAt + 3, "in");
        if (in < 0) {
            return code;
        }
        int filter = topLevelWord(code, in + 2, "if");
        if (filter < 0) {
            return code;
        }
        String target = code.substring(forAt + 3, in).strip();
        String items = code.substring(in + 2, filter).strip();
        String condition = code.substring(filter + 2).strip();
        String kept = "_allo_kept_" + id;
        String item = "_allo_item_" + id;
        return code.substring(0, forAt) + "set " + kept + " = [] %}{% for " + item + " in " + items + " %}{% for "
                + target + " in [" + item + "] %}{% if " + condition + " %}{% do " + kept + ".append(" + item
                + ") %}{% endif %}{% endfor %}{% endfor %}{% for " + target + " in " + kept + " ";
    }

    private static int firstNonSpace(String s) {
        int k = 0;
        while (k < s.length() && Character.isWhitespace(s.charAt(k))) {
            k++;
        }
        return k;
    }

    // Whether `word` stands at `at` as a whole word.
    private static boolean isWordAt(String s, int at, String word) {
        int end = at + word.length();
        return s.startsWith(word, at) && (at == 0 || !isNameChar(s.charAt(at - 1)))
                && (end == s.length() || !isNameChar(s.charAt(end)));
    }

    // The first whole `word` at or after `from` outside string literals and brackets, or -1.
    private static int topLevelWord(String s, int from, String word) {
        int depth = 0;
        int k = from;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == '\'' || c == '"') {
                k = JinjaSource.stringEnd(s, k);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && isWordAt(s, k, word)) {
                return k;
            }
            k++;
        }
        return -1;
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
