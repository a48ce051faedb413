package dev.allo.scorer;

import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.TokenizedPair;
import dev.allo.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the rewriting model's input for one pair (paper Sec. 4.2 and Table 6): the rewrite template filled with
 * {@code {problem}} = the example's prompt, {@code {solution}} = its reference solution (the chosen response when it
 * has none) and {@code {prediction}} = its rejected response; then the pair's original rejected ids, which the
 * rewriter is teacher-forced on.
 */
public final class RewritePrompt {

    private RewritePrompt() {
    }

    /**
     * The teacher-forced sequence: {@code ids = BOS? ++ encode(rewrite prompt) ++ rejectedIds}, with
     * {@code responseStart} the position of the first rejected token; the rewriter's probability of rejected token
     * {@code j} is read from the logits at position {@code responseStart + j - 1}.
     *
     * @param ids the full sequence
     * @param responseStart where the rejected response begins; at least 1
     */
    public record Sequence(int[] ids, int responseStart) {

        /**
         * Validates and copies.
         *
         * @throws IllegalArgumentException if {@code responseStart} is not in {@code [1, ids.length)}
         */
        public Sequence {
            ids = ids.clone();
            if (responseStart < 1 || responseStart >= ids.length) {
                throw new IllegalArgumentException("responseStart must be in [1, " + ids.length + "), got "
                        + responseStart);
            }
        }

        /**
         * The teacher-forced sequence: {@code BOS? ++ encode(rewrite prompt) ++ rejectedIds}.
         *
         * @return a copy of the ids
         */
        @Override
        public int[] ids() {
            return ids.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sequence s && responseStart == s.responseStart && Arrays.equals(ids, s.ids);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(ids) + responseStart;
        }

        @Override
        public String toString() {
            return "Sequence[" + ids.length + " ids, responseStart=" + responseStart + "]";
        }
    }

    /**
     * The filled rewrite prompt text.
     *
     * @param template a template with {@code {problem}}, {@code {solution}} and {@code {prediction}}
     * @param example the pair's source example
     * @return the text
     */
    public static String text(PromptTemplate template, PreferenceExample example) {
        return template.fill(Map.of(
                PromptTemplate.PROBLEM, example.prompt(),
                PromptTemplate.SOLUTION, example.reference().orElse(example.chosen()),
                PromptTemplate.PREDICTION, example.rejected()));
    }

    /**
     * The teacher-forced sequence for a pair. The prompt gets the tokenizer's BOS exactly once (leading BOS and trailing
     * EOS ids of the encoded prompt are removed first, as the pair encoder does); the rejected ids are the pair's own, so {@code r_j} lines up with
     * the policy's tokens.
     *
     * @param pair the pair
     * @param tokenizer the tokenizer shared by policy and rewriter
     * @param template the rewrite template
     * @return the sequence
     */
    public static Sequence sequence(TokenizedPair pair, Tokenizer tokenizer, PromptTemplate template) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        int[] prompt = tokenizer.encode(text(template, pair.source()));
        int from = 0;
        int to = prompt.length;
        int bos = tokenizer.bosId().orElse(-1);
        int eos = tokenizer.eosId().orElse(-1);
        while (bos >= 0 && from < to && prompt[from] == bos) {
            from++;
        }
        while (eos >= 0 && to > from && prompt[to - 1] == eos) {
            to--;
        }
        int head = bos >= 0 ? 1 : 0;
        int[] rejected = pair.rejectedIds();
        int promptLength = head + to - from;
        int[] ids = new int[promptLength + rejected.length];
        if (head == 1) {
            ids[0] = bos;
        }
        System.arraycopy(prompt, from, ids, head, to - from);
        System.arraycopy(rejected, 0, ids, promptLength, rejected.length);
        return new Sequence(ids, promptLength);
    }
}
