package dev.allo.impl.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * The {@code {% generation %}...{% endgeneration %}} block of {@code transformers}' chat templates (its
 * {@code AssistantTracker} extension; SmolLM3's and LFM2's templates mark the assistant's text with it). It renders
 * its body; {@code transformers} additionally records the body's position for {@code return_assistant_tokens_mask},
 * which the response split here does not need.
 */
final class GenerationTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return "generation";
    }

    @Override
    public String getEndTagName() {
        return "endgeneration";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        StringBuilder out = new StringBuilder();
        for (Node child : tagNode.getChildren()) {
            out.append(child.render(interpreter).getValue());
        }
        return out.toString();
    }
}
