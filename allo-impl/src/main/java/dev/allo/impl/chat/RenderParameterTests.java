package dev.allo.impl.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites {@code tools is defined} and {@code documents is defined} (and their negations) to constants.
 * {@code transformers}' {@code apply_chat_template} always passes {@code tools} and {@code documents} to the template,
 * {@code None} when not given, so in Jinja2 both names are always defined; Jinjava cannot tell a variable that is
 * {@code null} from one that is absent and would call them undefined. Only the bare names are rewritten (not
 * {@code message.tools}), and never inside string literals.
 */
final class RenderParameterTests {

    private static final Pattern TEST = Pattern.compile(
            "(?<![\\w.\\])])(tools|documents)\\s+is\\s+(not\\s+)?(defined|undefined)\\b");

    private RenderParameterTests() {
    }

    /**
     * Rewrites the tests in one tag's code.
     *
     * @param code the code of a {@code {{ }}} or {@code {% %}} tag
     * @return the code with each such test replaced by {@code true} or {@code false}
     */
    static String rewrite(String code) {
        StringBuilder out = new StringBuilder(code.length());
        int k = 0;
        int from = 0;
        while (k <= code.length()) {
            boolean atString = k < code.length() && (code.charAt(k) == '\'' || code.charAt(k) == '"');
            if (atString || k == code.length()) {
                out.append(rewritePlain(code.substring(from, k)));
                if (!atString) {
                    break;
                }
                int end = JinjaSource.stringEnd(code, k);
                out.append(code, k, end);
                k = end;
                from = end;
            } else {
                k++;
            }
        }
        return out.toString();
    }

    private static String rewritePlain(String code) {
        Matcher m = TEST.matcher(code);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            boolean negated = m.group(2) != null;
            boolean undefined = m.group(3).equals("undefined");
            m.appendReplacement(out, negated == undefined ? "true" : "false");
        }
        m.appendTail(out);
        return out.toString();
    }
}
