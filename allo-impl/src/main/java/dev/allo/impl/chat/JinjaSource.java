package dev.allo.impl.chat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Rewrites the Python Jinja2 constructs that real chat templates use and Jinjava parses differently into equivalent
 * Jinjava, before the template is compiled. Only code inside {@code {{ }}} and {@code {% %}} tags is touched, never
 * string literals, comments or template text.
 *
 * <ul>
 *   <li>The reversing slice {@code x[::-1]} (Qwen3's "last user query" scan) becomes {@code (x|reverse|list)}.
 *       Other slices with a step are not supported and fail when the template is rendered.</li>
 *   <li>Keyword arguments of {@code namespace(...)}: Jinjava binds {@code name=} tighter than the operators, so
 *       {@code namespace(i=messages|length - 1)} would subtract 1 from the keyword argument itself. Each value is
 *       parenthesised: {@code namespace(i=(messages|length - 1))}.</li>
 *   <li>The unary {@code not}: Python binds it looser than comparisons and tests ({@code not x is defined} means
 *       {@code not (x is defined)}, as Llama 3's {@code if not date_string is defined} relies on), Jinjava tighter.
 *       Its operand, up to the next {@code and}, {@code or}, {@code if}, {@code else}, comma or closing bracket, is
 *       parenthesised.</li>
 *   <li>A loop filter, {@code {% for x in items if condition %}}, becomes a loop over the items that pass
 *       ({@link JinjaLoopFilter}).</li>
 *   <li>{@code loop.previtem} and {@code loop.nextitem} are read from a list of the loop's items
 *       ({@link JinjaLoopNeighbours}).</li>
 *   <li>{@code tools is defined} and {@code documents is defined} become {@code true}
 *       ({@link RenderParameterTests}).</li>
 *   <li>Comments become empty expressions, {@code {{ '' }}}, with the same whitespace control.</li>
 *   <li>{@code lstrip_blocks} is applied here, not by Jinjava, which also strips spaces before a block tag that
 *       does not start its line ({@code a {% if x %}} loses its space there, not in Jinja2).</li>
 *   <li>A parenthesised dict literal, {@code ({'a': 1})}, loses its brackets: Jinjava reads it as a one-item
 *       tuple.</li>
 *   <li>One newline at the end of the source is dropped, as Jinja2 does by default ({@code keep_trailing_newline}
 *       off).</li>
 * </ul>
 */
final class JinjaSource {

    private static final String REVERSE_SLICE = "[::-1]";
    private static final String NAMESPACE_CALL = "namespace(";

    private JinjaSource() {
    }

    /**
     * Rewrites a template's source.
     *
     * @param source the template as written for Python Jinja2
     * @return the source for Jinjava
     */
    static String rewrite(String source) {
        String text = withoutTrailingNewline(source);
        List<String> tags = new ArrayList<>();
        walk(text, t -> { }, code -> tags.add(withoutMarkers(code)));
        JinjaLoopNeighbours neighbours = new JinjaLoopNeighbours(tags);
        Output o = new Output(source.length() + 32);
        int[] loops = {0};
        walk(text, t -> appendText(o, t), code -> o.out.append(rewriteCode(code, loops, neighbours)));
        return o.out.toString();
    }

    // Appends template text, a comment or a tag delimiter.
    //  - Before a block tag or comment ("{%", "{#", not "{%-" or "{%+"), Jinja2's lstrip_blocks removes the spaces and
    //    tabs between the start of its line and the tag; a "{%+" tag keeps them and loses its "+", which Jinjava does
    //    not read.
    //  - A comment becomes an empty expression with the same whitespace-control markers ("{#- x #}" -> "{{- '' }}"),
    //    and trim_blocks drops the newline after it here. Jinjava drops comments from its tree, so the "-%}" of a tag
    //    before a comment would otherwise strip the whitespace after the comment as well.
    private static void appendText(Output o, String text) {
        String t = text;
        if (o.afterComment && t.startsWith("\n")) {
            t = t.substring(1);
        }
        o.afterComment = false;
        boolean comment = t.startsWith("{#");
        boolean blockOrComment = t.startsWith("{%") || comment;
        char marker = t.length() > 2 ? t.charAt(2) : ' ';
        if (blockOrComment && marker == '+') {
            o.out.append(t, 0, 2).append(t, 3, t.length());
            return;
        }
        if (blockOrComment && marker != '-') {
            int k = o.out.length();
            while (k > 0 && isLineSpace(o.out.charAt(k - 1))) {
                k--;
            }
            if (k == 0 || o.out.charAt(k - 1) == '\n') {
                o.out.setLength(k);
            }
        }
        if (comment) {
            boolean stripAfter = t.endsWith("-#}");
            o.out.append(marker == '-' ? "{{- '' " : "{{ '' ").append(stripAfter ? "-}}" : "}}");
            o.afterComment = !stripAfter && !t.endsWith("+#}");
            return;
        }
        o.out.append(t);
    }

    // The rewritten source, and whether the last thing written was a comment.
    private static final class Output {
        private final StringBuilder out;
        private boolean afterComment;

        Output(int capacity) {
            out = new StringBuilder(capacity);
        }
    }

    // Whitespace other than a line end.
    private static boolean isLineSpace(char c) {
        return c == ' ' || c == '\t' || c == '\f' || c == '\u000b' || c == '\r';
    }

    /**
     * The names of the filters a template applies ({@code x | name}), so that a filter Jinjava lacks can be reported
     * before rendering: Jinjava would silently render the expression as empty text.
     *
     * @param source the template
     * @return the filter names, in order of first use
     */
    static Set<String> filterNames(String source) {
        Set<String> names = new LinkedHashSet<>();
        walk(source, text -> { }, code -> {
            int k = 0;
            while (k < code.length()) {
                char c = code.charAt(k);
                if (c == '\'' || c == '"') {
                    k = stringEnd(code, k);
                    continue;
                }
                k++;
                if (c == '|') {
                    while (k < code.length() && Character.isWhitespace(code.charAt(k))) {
                        k++;
                    }
                    int end = k;
                    while (end < code.length() && isNameChar(code.charAt(end))) {
                        end++;
                    }
                    if (end > k) {
                        names.add(code.substring(k, end));
                    }
                    k = end;
                }
            }
        });
        return names;
    }

    // Calls `text` with template text, comments and tag delimiters (an opening one with its "-" or "+") as they are,
    // and `code` with the code of each {{ }} and {% %} tag.
    private static void walk(String source, Consumer<String> text,
            Consumer<String> code) {
        int i = 0;
        while (i < source.length()) {
            int open = nextTag(source, i);
            if (open < 0) {
                text.accept(source.substring(i));
                break;
            }
            text.accept(source.substring(i, open));
            char kind = source.charAt(open + 1);
            if (kind == '#') {
                int end = source.indexOf("#}", open + 2);
                int stop = end < 0 ? source.length() : end + 2;
                text.accept(source.substring(open, stop));
                i = stop;
                continue;
            }
            String close = kind == '{' ? "}}" : "%}";
            int end = codeEnd(source, open + 2, close);
            if (end < 0) { // unterminated tag: leave it for Jinjava to report
                text.accept(source.substring(open));
                break;
            }
            // The opening delimiter with its whitespace-control marker, if any ("{%-", "{{+").
            int codeStart = end > open + 2 && (source.charAt(open + 2) == '-' || source.charAt(open + 2) == '+')
                    ? open + 3 : open + 2;
            text.accept(source.substring(open, codeStart));
            code.accept(source.substring(codeStart, end));
            text.accept(close);
            i = end + 2;
        }
    }

    // Jinja2 (keep_trailing_newline=False) drops one newline at the end of the source; Jinjava keeps it.
    private static String withoutTrailingNewline(String source) {
        if (source.endsWith("\r\n")) {
            return source.substring(0, source.length() - 2);
        }
        return source.endsWith("\n") || source.endsWith("\r") ? source.substring(0, source.length() - 1) : source;
    }

    // The next "{{", "{%" or "{#" at or after `from`, or -1.
    private static int nextTag(String s, int from) {
        for (int k = s.indexOf('{', from); k >= 0 && k + 1 < s.length(); k = s.indexOf('{', k + 1)) {
            char c = s.charAt(k + 1);
            if (c == '{' || c == '%' || c == '#') {
                return k;
            }
        }
        return -1;
    }

    // The index of `close` that ends the code starting at `from`, skipping string literals; -1 if none.
    private static int codeEnd(String s, int from, String close) {
        int k = from;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == '\'' || c == '"') {
                k = stringEnd(s, k);
            } else if (s.startsWith(close, k)) {
                return k;
            } else {
                k++;
            }
        }
        return -1;
    }

    // The index just after the string literal that starts at `at` (Python escapes: a backslash escapes one char).
    static int stringEnd(String s, int at) {
        char q = s.charAt(at);
        int k = at + 1;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == '\\') {
                k += 2;
            } else if (c == q) {
                return k + 1;
            } else {
                k++;
            }
        }
        return s.length();
    }

    // `loops` counts the filtered loops rewritten so far, for unique variable names.
    private static String rewriteCode(String code, int[] loops, JinjaLoopNeighbours neighbours) {
        // Keep the whitespace-control markers ("{%-", "-%}") out of the expression rewrites.
        int from = markerBefore(code);
        int to = code.length() - markerAfter(code, from);
        String body = code.substring(from, to);
        String expression = parenthesiseNotOperands(RenderParameterTests.rewrite(
                parenthesiseNamespaceArguments(reverseSlices(unwrapDictionaries(body)))));
        String loop = JinjaLoopFilter.rewrite(expression, loops[0]);
        if (!loop.equals(expression)) {
            loops[0]++;
        }
        return code.substring(0, from) + neighbours.rewrite(body, loop) + code.substring(to);
    }

    // The code of a tag without its whitespace-control markers.
    private static String withoutMarkers(String code) {
        int from = markerBefore(code);
        return code.substring(from, code.length() - markerAfter(code, from));
    }

    // 1 if the code starts with a whitespace-control marker ("-" or "+"), else 0.
    private static int markerBefore(String code) {
        return !code.isEmpty() && (code.charAt(0) == '-' || code.charAt(0) == '+') ? 1 : 0;
    }

    // 1 if the code ends with a whitespace-control marker after `from`, else 0.
    private static int markerAfter(String code, int from) {
        char last = code.isEmpty() ? ' ' : code.charAt(code.length() - 1);
        return code.length() > from && (last == '-' || last == '+') ? 1 : 0;
    }

    // Words after which a "not" is the unary operator (not the "not" of "is not" or "not in").
    private static final Set<String> BEFORE_UNARY_NOT = Set.of("", "if", "elif", "and", "or", "not",
            "else", "in", "(", "[", "{", ",", "=", ":");
    // Words and symbols that end the operand of a unary "not" at its bracket depth.
    private static final Set<String> AFTER_NOT_OPERAND = Set.of("and", "or", "if", "else");

    // Parenthesises the operand of each unary "not" (see the class comment).
    private static String parenthesiseNotOperands(String code) {
        StringBuilder out = new StringBuilder(code);
        int k = 0;
        String previous = "";
        while (k < out.length()) {
            char c = out.charAt(k);
            if (c == '\'' || c == '"') {
                k = stringEnd(out.toString(), k);
                previous = "'";
                continue;
            }
            if (Character.isWhitespace(c)) {
                k++;
                continue;
            }
            if (Character.isLetter(c) || c == '_') {
                int end = k;
                while (end < out.length() && (Character.isLetterOrDigit(out.charAt(end)) || out.charAt(end) == '_')) {
                    end++;
                }
                String word = out.substring(k, end);
                if (word.equals("not") && BEFORE_UNARY_NOT.contains(previous) && !nextWordIs(out, end, "in")) {
                    int operandEnd = notOperandEnd(out, end);
                    out.insert(operandEnd, ')');
                    out.insert(end, " (");
                    k = end + 2;
                    previous = "(";
                    continue;
                }
                previous = word;
                k = end;
                continue;
            }
            previous = String.valueOf(c);
            k++;
        }
        return out.toString();
    }

    private static boolean nextWordIs(CharSequence s, int from, String word) {
        int k = from;
        while (k < s.length() && Character.isWhitespace(s.charAt(k))) {
            k++;
        }
        int end = k + word.length();
        return s.toString().startsWith(word, k)
                && (end == s.length() || !(Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_'));
    }

    // Where the operand of a unary "not" ending at `from` stops: see parenthesiseNotOperands.
    private static int notOperandEnd(CharSequence s, int from) {
        int depth = 0;
        int k = from;
        int lastContent = from;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == '\'' || c == '"') {
                k = stringEnd(s.toString(), k);
                lastContent = k;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    break;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            } else if ((Character.isLetter(c) || c == '_') && (k == 0 || !(Character.isLetterOrDigit(s.charAt(k - 1))
                    || s.charAt(k - 1) == '_'))) {
                int end = k;
                while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
                    end++;
                }
                if (depth == 0 && AFTER_NOT_OPERAND.contains(s.subSequence(k, end).toString())) {
                    break;
                }
                k = end;
                lastContent = end;
                continue;
            }
            if (!Character.isWhitespace(c)) {
                lastContent = k + 1;
            }
            k++;
        }
        return lastContent;
    }

    // Drops the brackets around a parenthesised dict literal, "({...})", which Jinjava reads as a one-item tuple.
    // Call brackets ("f({...})") are kept.
    private static String unwrapDictionaries(String code) {
        StringBuilder out = new StringBuilder(code);
        int k = find(out.toString(), "(", 0);
        while (k >= 0) {
            int open = skipSpaces(out, k + 1);
            int before = k - 1;
            while (before >= 0 && Character.isWhitespace(out.charAt(before))) {
                before--;
            }
            boolean call = before >= 0 && (isNameChar(out.charAt(before)) || out.charAt(before) == ')'
                    || out.charAt(before) == ']');
            int close = open < out.length() && out.charAt(open) == '{' ? closingBracket(out.toString(), open) : -1;
            int after = close < 0 ? -1 : skipSpaces(out, close + 1);
            if (!call && after >= 0 && after < out.length() && out.charAt(after) == ')') {
                out.deleteCharAt(after);
                out.deleteCharAt(k);
            }
            k = find(out.toString(), "(", k + 1);
        }
        return out.toString();
    }

    private static int skipSpaces(CharSequence s, int from) {
        int k = from;
        while (k < s.length() && Character.isWhitespace(s.charAt(k))) {
            k++;
        }
        return k;
    }

    // The index of the bracket that closes the one at `open`, skipping string literals; -1 if none.
    private static int closingBracket(String s, int open) {
        int depth = 0;
        int k = open;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == '\'' || c == '"') {
                k = stringEnd(s, k);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
                return k;
            }
            k++;
        }
        return -1;
    }

    private static String reverseSlices(String code) {
        StringBuilder out = new StringBuilder(code);
        int at = find(out.toString(), REVERSE_SLICE, 0);
        while (at >= 0) {
            int start = primaryStart(out, at);
            out.replace(at, at + REVERSE_SLICE.length(), "|reverse|list)");
            out.insert(start, '(');
            at = find(out.toString(), REVERSE_SLICE, at + 1);
        }
        return out.toString();
    }

    // Where the primary expression that ends just before `end` starts: a name followed by ".attr", "[...]" and
    // "(...)" parts, or a parenthesised, bracketed or quoted expression.
    private static int primaryStart(CharSequence s, int end) {
        int k = end;
        while (k > 0) {
            char c = s.charAt(k - 1);
            if (c == ']' || c == ')') {
                k = matchingOpen(s, k - 1);
            } else if (c == '\'' || c == '"') {
                int open = k - 2;
                while (open >= 0 && s.charAt(open) != c) {
                    open--;
                }
                k = Math.max(open, 0);
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                k--;
            } else {
                break;
            }
        }
        return k;
    }

    private static int matchingOpen(CharSequence s, int closeAt) {
        int depth = 0;
        for (int k = closeAt; k >= 0; k--) {
            char c = s.charAt(k);
            if (c == ']' || c == ')') {
                depth++;
            } else if (c == '[' || c == '(') {
                depth--;
                if (depth == 0) {
                    return k;
                }
            }
        }
        return 0;
    }

    private static String parenthesiseNamespaceArguments(String code) {
        int call = findCall(code, 0);
        if (call < 0) {
            return code;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (call >= 0) {
            int argsStart = call + NAMESPACE_CALL.length();
            int argsEnd = closingBracket(code, argsStart - 1);
            if (argsEnd < 0) {
                break;
            }
            out.append(code, i, argsStart);
            List<String> args = topLevelArguments(code.substring(argsStart, argsEnd));
            for (int a = 0; a < args.size(); a++) {
                out.append(a == 0 ? "" : ",").append(parenthesiseKeywordValue(args.get(a)));
            }
            i = argsEnd;
            call = findCall(code, argsEnd);
        }
        out.append(code, i, code.length());
        return out.toString();
    }

    private static String parenthesiseKeywordValue(String arg) {
        int eq = arg.indexOf('=');
        if (eq < 0 || eq + 1 < arg.length() && arg.charAt(eq + 1) == '='
                || !arg.substring(0, eq).strip().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            return arg;
        }
        return arg.substring(0, eq + 1) + "(" + arg.substring(eq + 1) + ")";
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    // The next "namespace(" that is not the end of a longer name, or -1.
    private static int findCall(String code, int from) {
        int at = find(code, NAMESPACE_CALL, from);
        while (at > 0) {
            char before = code.charAt(at - 1);
            if (!(Character.isLetterOrDigit(before) || before == '_' || before == '.')) {
                break;
            }
            at = find(code, NAMESPACE_CALL, at + 1);
        }
        return at;
    }

    // The arguments of a call, split at top-level commas (outside brackets and string literals).
    private static List<String> topLevelArguments(String args) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int from = 0;
        int k = 0;
        while (k < args.length()) {
            char c = args.charAt(k);
            if (c == '\'' || c == '"') {
                k = stringEnd(args, k);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(args.substring(from, k));
                from = k + 1;
            }
            k++;
        }
        out.add(args.substring(from));
        return out;
    }

    /**
     * The first occurrence of {@code needle} at or after {@code from} outside string literals.
     *
     * @param s a tag's code
     * @param needle the text to find
     * @param from where to start
     * @return its index, or -1
     */
    static int find(String s, String needle, int from) {
        int k = from;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == '\'' || c == '"') {
                k = stringEnd(s, k);
            } else if (s.startsWith(needle, k)) {
                return k;
            } else {
                k++;
            }
        }
        return -1;
    }
}
