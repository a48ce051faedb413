package dev.allo.examples.quickstart;

import dev.allo.examples.task.AnswerChecker;
import dev.allo.examples.task.Problem;
import dev.allo.examples.task.PromptStyle;
import dev.allo.examples.task.SampledSolutions;
import dev.allo.examples.task.Verdict;
import dev.allo.impl.model.GenerationConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenGenerator;
import dev.allo.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Lets a policy solve task problems: greedy decoding for test accuracy, temperature / top-p sampling for the
 * on-policy preference data. Prompts are {@code BOS + encode(style.taskPrompt(problem))}, as the pair encoder builds
 * them for training, and generation stops at EOS or after {@code maxNewTokens} tokens.
 */
public final class SolutionSampler {
    /** Prompts generated together in one batch. */
    private static final int BATCH = 64;

    private final DecoderModel model;
    private final Tokenizer tokenizer;
    private final PromptStyle style;
    private final int maxNewTokens;

    /**
     * A sampler for one model.
     *
     * @param model the policy; not closed here
     * @param tokenizer its tokenizer, with BOS and EOS ids
     * @param style the prompt template the policy was trained with
     * @param maxNewTokens the most tokens of one solution
     */
    public SolutionSampler(DecoderModel model, Tokenizer tokenizer, PromptStyle style, int maxNewTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.style = style;
        this.maxNewTokens = maxNewTokens;
    }

    /**
     * Greedy solutions, one per problem, in order.
     *
     * @param problems the problems
     * @return the decoded solutions (EOS removed)
     */
    public List<String> greedy(List<Problem> problems) {
        return generate(texts(problems), GenerationConfig.greedy(maxNewTokens));
    }

    /**
     * Greedy responses to questions other than task problems (e.g. a second skill), under the same prompt style.
     *
     * @param questions the questions, each filled into the style's task prompt
     * @return the decoded responses (EOS removed), in order
     */
    public List<String> greedyAnswers(List<String> questions) {
        return generate(questions, GenerationConfig.greedy(maxNewTokens));
    }

    private static List<String> texts(List<Problem> problems) {
        return problems.stream().map(Problem::text).toList();
    }

    /**
     * {@code k} sampled solutions per problem. Each of the {@code k} rounds draws from its own seed, so the result
     * is a function of the model, the problems, {@code k} and {@code seed}.
     *
     * @param problems the problems
     * @param k samples per problem, at least 1
     * @param temperature the softmax temperature, {@code > 0}
     * @param topP the nucleus mass, in {@code (0, 1]}
     * @param seed the seed
     * @return the samples of each problem, in problem order
     */
    public List<SampledSolutions> sample(List<Problem> problems, int k, double temperature, double topP, long seed) {
        List<List<String>> perProblem = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            perProblem.add(new ArrayList<>());
        }
        for (int round = 0; round < k; round++) {
            List<String> texts = generate(texts(problems),
                    GenerationConfig.sampling(maxNewTokens, temperature, topP, seed * 1_000_003L + round));
            for (int i = 0; i < problems.size(); i++) {
                perProblem.get(i).add(texts.get(i));
            }
        }
        List<SampledSolutions> out = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            out.add(new SampledSolutions(problems.get(i), perProblem.get(i)));
        }
        return out;
    }

    /**
     * The fraction of problems whose greedy solution has the right final answer ({@link AnswerChecker}).
     *
     * @param problems the problems, not empty
     * @return the accuracy in {@code [0, 1]}
     */
    public double accuracy(List<Problem> problems) {
        List<String> solutions = greedy(problems);
        int correct = 0;
        for (int i = 0; i < problems.size(); i++) {
            correct += AnswerChecker.check(solutions.get(i), problems.get(i).answer()) == Verdict.CORRECT ? 1 : 0;
        }
        return correct / (double) problems.size();
    }

    private List<String> generate(List<String> problems, GenerationConfig base) {
        int bos = tokenizer.bosId().orElseThrow(() -> new IllegalArgumentException("the tokenizer has no BOS id"));
        int eos = tokenizer.eosId().orElseThrow(() -> new IllegalArgumentException("the tokenizer has no EOS id"));
        GenerationConfig config = base.withEosTokenIds(List.of(eos));
        TokenGenerator generator = new TokenGenerator(model);
        List<String> out = new ArrayList<>();
        for (int from = 0; from < problems.size(); from += BATCH) {
            List<int[]> prompts = new ArrayList<>();
            for (String p : problems.subList(from, Math.min(problems.size(), from + BATCH))) {
                int[] text = tokenizer.encode(style.taskPrompt(p));
                int[] ids = new int[text.length + 1];
                ids[0] = bos;
                System.arraycopy(text, 0, ids, 1, text.length);
                prompts.add(ids);
            }
            // A different seed per batch, so equal prompts in different batches are not sampled alike.
            GenerationConfig batchConfig = config.isGreedy() ? config
                    : new GenerationConfig(config.maxNewTokens(), config.temperature(), config.topP(),
                            config.seed() + from, config.eosTokenIds(), config.useCache());
            for (int[] ids : generator.generate(prompts, batchConfig)) {
                int n = ids.length > 0 && ids[ids.length - 1] == eos ? ids.length - 1 : ids.length;
                out.add(tokenizer.decode(java.util.Arrays.copyOf(ids, n)));
            }
        }
        return out;
    }
}
