package dev.allo.data;

import java.util.Objects;

/**
 * How a preference reader treats its input.
 *
 * @param skipBadLines {@code false} (default): the first malformed line throws {@link MalformedDataException};
 *     {@code true}: malformed lines are skipped and listed in {@link ReadReport#skipped()}
 * @param renderer how conversational lines ({@code [{"role": ..., "content": ...}]}) become strings; default
 *     {@code ConversationRenderer.singleTurn(PromptTemplate.downstream())}
 */
public record ReadOptions(boolean skipBadLines, ConversationRenderer renderer) {

    /** Validates the options. */
    public ReadOptions {
        Objects.requireNonNull(renderer, "renderer");
    }

    /**
     * The defaults: fail on the first bad line; conversations through the paper's downstream template.
     *
     * @return the options
     */
    public static ReadOptions defaults() {
        return new ReadOptions(false, ConversationRenderer.singleTurn(PromptTemplate.downstream()));
    }

    /**
     * A copy that skips (or not) malformed lines.
     *
     * @param skip whether to skip
     * @return the copy
     */
    public ReadOptions withSkipBadLines(boolean skip) {
        return new ReadOptions(skip, renderer);
    }

    /**
     * A copy with another conversation renderer.
     *
     * @param r the renderer
     * @return the copy
     */
    public ReadOptions withRenderer(ConversationRenderer r) {
        return new ReadOptions(skipBadLines, r);
    }
}
