package dev.allo.impl.data;

import dev.allo.data.DropLog;
import dev.allo.data.DroppedPair;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Tokenises preference examples into {@link TokenizedPair}s under a {@link TruncationPolicy}.
 *
 * <p>Special tokens, exactly once: the prompt gets BOS at its start and each response gets EOS at its end (when the
 * tokenizer defines them). Leading BOS ids and trailing EOS ids already present in an encoding (a template whose text
 * writes {@code <s>}, a response ending in {@code </s>}, a tokenizer that adds them against the contract) are removed
 * from every piece first, so neither is ever doubled; BOS or EOS ids inside the text are kept. The reference solution
 * is encoded like a response and never truncated.
 *
 * <p>Prompt text: the example's prompt as it is, or, with a {@link PromptTemplate}, the template with
 * {@code {instruction}} filled by the example's prompt (the example keeps the raw problem, which the rewriting model's
 * prompt needs). Conversational data is rendered when read (see {@code ReadOptions}); do not template it again.
 *
 * <p>Dropped pairs (a response that encodes to no tokens, or that the policy would cut to nothing) are returned as
 * empty and recorded in the caller's {@link DropLog} with the numbers involved. Thread-safe if the tokenizer is.
 */
public final class PairEncoder {

    private final Tokenizer tokenizer;
    private final TruncationPolicy policy;
    private final PromptTemplate template;
    private final int bos;
    private final int eos;

    /**
     * An encoder that uses prompts as they are.
     *
     * @param tokenizer the tokenizer
     * @param policy the length limits
     */
    public PairEncoder(Tokenizer tokenizer, TruncationPolicy policy) {
        this(tokenizer, policy, null);
    }

    /**
     * An encoder that renders each prompt through a template first.
     *
     * @param tokenizer the tokenizer
     * @param policy the length limits
     * @param template a template with {@code {instruction}}, or {@code null} to use prompts as they are
     * @throws IllegalArgumentException if the template lacks {@code {instruction}}
     */
    public PairEncoder(Tokenizer tokenizer, TruncationPolicy policy, PromptTemplate template) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.template = template == null ? null
                : template.requirePlaceholders(List.of(PromptTemplate.INSTRUCTION));
        this.bos = tokenizer.bosId().orElse(-1);
        this.eos = tokenizer.eosId().orElse(-1);
    }

    /**
     * Encodes one example.
     *
     * @param index the example's 0-based position in its source
     * @param example the example
     * @param drops where a dropped pair is recorded
     * @return the pair, or empty if it was dropped
     */
    public Optional<TokenizedPair> encode(long index, PreferenceExample example, DropLog drops) {
        String promptText = template == null ? example.prompt()
                : template.fill(Map.of(PromptTemplate.INSTRUCTION, example.prompt()));
        int[] prompt = content(tokenizer.encode(promptText));
        int[] chosen = content(tokenizer.encode(example.chosen()));
        int[] rejected = content(tokenizer.encode(example.rejected()));
        if (chosen.length == 0 || rejected.length == 0) {
            drops.add(new DroppedPair(index, example.id(), (chosen.length == 0 ? "chosen" : "rejected")
                    + " response encodes to no tokens"));
            return Optional.empty();
        }
        int head = bos >= 0 ? 1 : 0;
        int keep = (int) Math.min(prompt.length, (long) policy.maxPromptLength() - head);
        if (head + keep == 0) {
            drops.add(new DroppedPair(index, example.id(), "prompt encodes to no tokens and the tokenizer has no"
                    + " BOS"));
            return Optional.empty();
        }
        int[] promptIds = new int[head + keep];
        if (head == 1) {
            promptIds[0] = bos;
        }
        System.arraycopy(prompt, prompt.length - keep, promptIds, head, keep); // the prompt keeps its end
        long room = (long) policy.maxLength() - promptIds.length;
        if (room <= 0) {
            drops.add(new DroppedPair(index, example.id(), "the prompt's " + promptIds.length + " tokens leave no"
                    + " room for a response under maxLength=" + policy.maxLength()));
            return Optional.empty();
        }
        Optional<int[]> reference = example.reference().map(r -> withEos(content(tokenizer.encode(r)),
                Long.MAX_VALUE));
        return Optional.of(TokenizedPair.unweighted(index, example, promptIds, withEos(chosen, room),
                withEos(rejected, room), reference));
    }

    /**
     * Encodes a stream of examples lazily; the index of each example is its position in {@code examples}.
     *
     * @param examples the examples
     * @param drops where dropped pairs are recorded
     * @return the kept pairs, in order
     */
    public Stream<TokenizedPair> encodeAll(Iterator<PreferenceExample> examples, DropLog drops) {
        Iterator<TokenizedPair> it = new Iterator<>() {
            private long index;
            private TokenizedPair next;

            @Override
            public boolean hasNext() {
                while (next == null && examples.hasNext()) {
                    next = encode(index++, examples.next(), drops).orElse(null);
                }
                return next != null;
            }

            @Override
            public TokenizedPair next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                TokenizedPair p = next;
                next = null;
                return p;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED
                | Spliterator.NONNULL), false);
    }

    // Response tokens + EOS, keeping the start when longer than `room`.
    private int[] withEos(int[] tokens, long room) {
        int full = tokens.length + (eos >= 0 ? 1 : 0);
        int len = (int) Math.min(full, room);
        int[] out = Arrays.copyOf(tokens, len);
        if (len == full && eos >= 0) {
            out[len - 1] = eos;
        }
        return out;
    }

    // The ids without leading BOS and trailing EOS ids, which the encoder adds itself.
    private int[] content(int[] ids) {
        int from = 0;
        while (bos >= 0 && from < ids.length && ids[from] == bos) {
            from++;
        }
        int to = ids.length;
        while (eos >= 0 && to > from && ids[to - 1] == eos) {
            to--;
        }
        return from == 0 && to == ids.length ? ids : Arrays.copyOfRange(ids, from, to);
    }
}
