package dev.allo.impl.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Jinjava's {@code for} tag, failing where Jinja2 fails on a loop over {@code None}: {@code {% for t in tools %}}
 * with {@code tools = None} (as {@code apply_chat_template} passes it without tools) raises Python's
 * {@code TypeError: 'NoneType' object is not iterable}, while Jinjava loops over nothing. A loop over a variable that
 * is defined with the value {@code null} throws {@link NoneIterationException}; a loop over an undefined name still
 * loops over nothing, as in Jinja2.
 */
final class NoneIterationForTag extends ForTag {
    private static final long serialVersionUID = 1L;
    /** The variable holding the collection of the names that are {@code None} at the start of rendering. */
    static final String NONE_NAMES = "_allo_none_names";
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    @Override
    public String renderForCollection(TagNode tagNode, JinjavaInterpreter interpreter, List<String> loopVars,
            Object collection) {
        if (collection == null) {
            String helpers = tagNode.getHelpers();
            int in = helpers.indexOf(" in ");
            String expression = in < 0 ? "" : helpers.substring(in + 4).strip();
            Object none = interpreter.getContext().get(NONE_NAMES);
            if (NAME.matcher(expression).matches() && none instanceof Collection<?> names
                    && names.contains(expression)) {
                throw new NoneIterationException(expression);
            }
        }
        return super.renderForCollection(tagNode, interpreter, loopVars, collection);
    }

    /** A loop over a variable whose value is {@code None}; Python's {@code TypeError}. */
    static final class NoneIterationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoneIterationException(String name) {
            super("TypeError: 'NoneType' object is not iterable (the loop over '" + name + "')");
        }
    }
}
