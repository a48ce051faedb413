package dev.allo.examples.ila;

import dev.allo.examples.task.AnswerChecker;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.Verdict;
import dev.allo.impl.model.GenerationConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenGenerator;
import dev.allo.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Test accuracy by generation: each problem's prompt ({@code BOS + "Q: <problem>\nA: "}, the layout the SFT pairs
 * were trained in) is continued greedily up to {@code maxNewTokens} tokens or EOS, and graded by
 * {@link AnswerChecker}: accuracy = (number {@link Verdict#CORRECT}) / (number of problems).
 */
public final class GreedyAccuracy {
    private final Tokenizer tokenizer;
    private final int maxNewTokens;
    private final int batchSize;

    /**
     * An evaluator.
     *
     * @param tokenizer the tokenizer (must define BOS and EOS)
     * @param maxNewTokens the most tokens generated per answer, {@code >= 1}
     * @param batchSize prompts generated together, {@code >= 1}
     * @throws IllegalArgumentException if a size is below 1 or the tokenizer lacks BOS or EOS
     */
    public GreedyAccuracy(Tokenizer tokenizer, int maxNewTokens, int batchSize) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (tokenizer.bosId().isEmpty() || tokenizer.eosId().isEmpty()) {
            throw new IllegalArgumentException("the tokenizer must define BOS and EOS");
        }
        this.tokenizer = tokenizer;
        this.maxNewTokens = maxNewTokens;
        this.batchSize = batchSize;
    }

    /**
     * The greedy answers of a model.
     *
     * @param model the model; unchanged
     * @param problems the problems
     * @return the decoded continuations, in order
     */
    public List<String> answers(DecoderModel model, List<Problem> problems) {
        GenerationConfig config = GenerationConfig.greedy(maxNewTokens)
                .withEosTokenIds(List.of(tokenizer.eosId().orElseThrow()));
        TokenGenerator generator = new TokenGenerator(model);
        List<String> out = new ArrayList<>(problems.size());
        for (int from = 0; from < problems.size(); from += batchSize) {
            List<int[]> prompts = new ArrayList<>();
            for (Problem p : problems.subList(from, Math.min(problems.size(), from + batchSize))) {
                prompts.add(withBos(tokenizer.encode(ArithmeticSftData.prompt(p))));
            }
            for (int[] ids : generator.generate(prompts, config)) {
                out.add(tokenizer.decode(ids)); // special tokens (EOS) are dropped by decode
            }
        }
        return out;
    }

    /**
     * Which problems a model answers correctly.
     *
     * @param model the model; unchanged
     * @param problems the problems
     * @return per problem, in order, whether {@link AnswerChecker} grades the greedy answer {@link Verdict#CORRECT}
     */
    public boolean[] correct(DecoderModel model, List<Problem> problems) {
        List<String> answers = answers(model, problems);
        boolean[] out = new boolean[problems.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = AnswerChecker.check(answers.get(i), problems.get(i).answer()) == Verdict.CORRECT;
        }
        return out;
    }

    /**
     * The fraction of problems answered correctly.
     *
     * @param model the model; unchanged
     * @param problems the problems, at least one
     * @return accuracy in {@code [0, 1]}
     * @throws IllegalArgumentException if there are no problems
     */
    public double accuracy(DecoderModel model, List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("accuracy needs at least one problem, got none");
        }
        int count = 0;
        for (boolean c : correct(model, problems)) {
            count += c ? 1 : 0;
        }
        return count / (double) problems.size();
    }

    private int[] withBos(int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = tokenizer.bosId().orElseThrow();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }
}
