package dev.allo.impl.chat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gives Jinja2's {@code loop.previtem} and {@code loop.nextitem} to Jinjava, which has neither (Qwen3.5's template
 * opens a user turn for a tool result when {@code loop.previtem.role != "tool"}). A loop whose own body uses them
 * first puts its items into a list, {@code set _allo_seq_N = (items)|list}, and loops over that; in its body
 * {@code loop.previtem} becomes {@code (_allo_seq_N[loop.index0 - 1] if loop.index0 > 0 else _allo_undefined)} and
 * {@code loop.nextitem} {@code (_allo_seq_N[loop.index0 + 1] if not loop.last else _allo_undefined)}, undefined at the
 * ends as in Jinja2. Nested loops have their own {@code loop}: a use belongs to the innermost loop around it.
 *
 * <p>One instance rewrites one template: {@link #JinjaLoopNeighbours(List)} reads all tags first, then
 * {@link #rewrite(String, String)} is called with each tag's code in order.
 */
final class JinjaLoopNeighbours {

    private static final String PREVIOUS = "loop.previtem";
    private static final String NEXT = "loop.nextitem";

    private final Set<Integer> loopsUsingNeighbours = new HashSet<>();
    private final Deque<Integer> open = new ArrayDeque<>(); // the enclosing loops' numbers, -1 when not rewritten
    private int loopsSeen;

    /**
     * Finds the loops whose bodies use the neighbours.
     *
     * @param tagCodes the code of every {@code {{ }}} and {@code {% %}} tag of the template, in order
     */
    JinjaLoopNeighbours(List<String> tagCodes) {
        Deque<Integer> stack = new ArrayDeque<>();
        int loops = 0;
        for (String code : tagCodes) {
            String keyword = keyword(code);
            if (keyword.equals("for")) {
                stack.push(loops++);
            } else if (keyword.equals("endfor")) {
                stack.poll();
            } else if (!stack.isEmpty() && (JinjaSource.find(code, PREVIOUS, 0) >= 0
                    || JinjaSource.find(code, NEXT, 0) >= 0)) {
                loopsUsingNeighbours.add(stack.peek());
            }
        }
    }

    /**
     * Rewrites the next tag of the template.
     *
     * @param original the tag's code as written, without delimiters and whitespace-control markers
     * @param code the same code after the other rewrites (a filtered loop's is several tags, see
     *     {@link JinjaLoopFilter})
     * @return {@code code} with the loop's items listed first, or the neighbours replaced
     */
    String rewrite(String original, String code) {
        String keyword = keyword(original);
        if (keyword.equals("for")) {
            int loop = loopsSeen++;
            if (!loopsUsingNeighbours.contains(loop)) {
                open.push(-1);
                return code;
            }
            open.push(loop);
            // A filtered loop was rewritten to end with "{% for target in _allo_kept_N ": list that last loop.
            int last = code.lastIndexOf("{% for ");
            int forAt = last < 0 ? code.indexOf("for") : last + 3;
            String clause = code.substring(forAt + 3);
            int in = clause.indexOf(" in ");
            String list = "_allo_seq_" + loop;
            return code.substring(0, forAt) + "set " + list + " = (" + clause.substring(in + 4).strip() + ")|list %}"
                    + "{% for" + clause.substring(0, in) + " in " + list + " ";
        }
        if (keyword.equals("endfor")) {
            open.poll();
            return code;
        }
        Integer loop = open.peek();
        if (loop == null || loop < 0) {
            return code;
        }
        String list = "_allo_seq_" + loop;
        return replaceCode(replaceCode(code, PREVIOUS,
                "(" + list + "[loop.index0 - 1] if loop.index0 > 0 else _allo_undefined)"), NEXT,
                "(" + list + "[loop.index0 + 1] if not loop.last else _allo_undefined)");
    }

    // The first word of a tag's code ("for", "endfor", "if", ...), or "" for an expression.
    private static String keyword(String code) {
        String s = code.strip();
        int end = 0;
        while (end < s.length() && Character.isLetter(s.charAt(end))) {
            end++;
        }
        return end < s.length() && !Character.isWhitespace(s.charAt(end)) ? "" : s.substring(0, end);
    }

    // Replaces each occurrence of `name` (outside string literals, not followed by a name character) by `with`.
    private static String replaceCode(String code, String name, String with) {
        List<Integer> at = new ArrayList<>();
        for (int k = JinjaSource.find(code, name, 0); k >= 0; k = JinjaSource.find(code, name, k + 1)) {
            int end = k + name.length();
            if (end == code.length() || !(Character.isLetterOrDigit(code.charAt(end)) || code.charAt(end) == '_')) {
                at.add(k);
            }
        }
        StringBuilder out = new StringBuilder(code);
        for (int i = at.size() - 1; i >= 0; i--) {
            out.replace(at.get(i), at.get(i) + name.length(), with);
        }
        return out.toString();
    }
}
