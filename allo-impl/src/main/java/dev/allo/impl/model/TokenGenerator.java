package dev.allo.impl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Continues prompts with a {@link DecoderModel}: greedy or temperature/top-p sampling ({@link GenerationConfig}),
 * with a key/value cache, in batches.
 *
 * <p>A batch is left-padded to its longest prompt (the padding is masked out and does not shift positions), so
 * every row's last column is a real token. Each step feeds the chosen tokens of all rows; a row that has finished
 * (EOS) keeps being fed but its further tokens are discarded. Sampling draws one random number per row per step
 * from a single stream seeded by {@link GenerationConfig#seed()}, so the tokens of a row can depend on the other
 * rows of its batch (but are reproducible for the same batch and seed).
 *
 * <p>Call it outside a {@code GradientCollector}: inside one, every step would record an autograd graph.
 */
public final class TokenGenerator {
    private final DecoderModel model;

    /**
     * Creates a generator for a model.
     *
     * @param model the model; not closed by the generator
     */
    public TokenGenerator(DecoderModel model) {
        this.model = model;
    }

    /**
     * Continues one prompt.
     *
     * @param prompt the prompt's token ids, at least one
     * @param config how to generate
     * @return the generated ids (without the prompt), ending with an EOS id if one was generated
     */
    public int[] generate(int[] prompt, GenerationConfig config) {
        return generate(List.of(prompt), config).get(0);
    }

    /**
     * Continues a batch of prompts together.
     *
     * @param prompts the prompts' token ids, each at least one token, each id in {@code [0, V)}
     * @param config how to generate
     * @return for each prompt, in order, the generated ids (without the prompt), ending with an EOS id if one was
     *     generated
     * @throws IllegalArgumentException if there is no prompt, a prompt is empty, or an id is out of range
     */
    public List<int[]> generate(List<int[]> prompts, GenerationConfig config) {
        return generate(prompts, config, new NextTokenSampler(config));
    }

    /**
     * Continues a batch of prompts together, sampling each row from its own random stream: the tokens of a row
     * depend on its prompt and its seed, not on the other rows' random numbers ({@link GenerationConfig#seed()} is
     * not used). The logits still come from a batched forward pass, so a row's float values can differ in the last
     * bits between batch compositions.
     *
     * @param prompts the prompts' token ids, each at least one token, each id in {@code [0, V)}
     * @param config how to generate
     * @param rowSeeds one seed per prompt
     * @return for each prompt, in order, the generated ids (without the prompt)
     * @throws IllegalArgumentException if the seeds do not match the prompts, or as {@link #generate(List,
     *     GenerationConfig)}
     */
    public List<int[]> generate(List<int[]> prompts, GenerationConfig config, long[] rowSeeds) {
        if (rowSeeds.length != prompts.size()) {
            throw new IllegalArgumentException("expected one seed per prompt: " + prompts.size() + " prompts, "
                    + rowSeeds.length + " seeds");
        }
        return generate(prompts, config, new NextTokenSampler(config, rowSeeds));
    }

    private List<int[]> generate(List<int[]> prompts, GenerationConfig config, NextTokenSampler sampler) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts must not be empty");
        }
        int batch = prompts.size();
        int longest = 0;
        for (int i = 0; i < batch; i++) {
            int[] p = prompts.get(i);
            if (p.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " must have at least one token");
            }
            for (int id : p) {
                if (id < 0 || id >= model.vocabSize()) {
                    throw new IllegalArgumentException("prompt " + i + " has token id " + id
                            + " outside [0, vocab_size = " + model.vocabSize() + ")");
                }
            }
            longest = Math.max(longest, p.length);
        }
        long[] ids = new long[batch * longest];
        float[] mask = new float[batch * longest];
        for (int i = 0; i < batch; i++) {
            int[] p = prompts.get(i);
            int offset = longest - p.length; // left padding, id 0
            for (int t = 0; t < p.length; t++) {
                ids[i * longest + offset + t] = p[t];
                mask[i * longest + offset + t] = 1f;
            }
        }
        Set<Integer> eos = new HashSet<>(config.eosTokenIds());
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[batch];
        try (NDManager manager = model.manager().newSubManager();
                KeyValueCache cache = config.useCache() ? model.newKeyValueCache() : null) {
            NDArray sequence = manager.create(ids, new Shape(batch, longest)); // (B, S)
            NDArray fullMask = manager.create(mask, new Shape(batch, longest)); // (B, S)
            NDArray input = sequence; // the tokens the next forward pass must compute
            for (int step = 0; step < config.maxNewTokens(); step++) {
                long[] next;
                try (NDManager stepScope = manager.newSubManager()) {
                    NDArray hidden = cache == null
                            ? model.hiddenStates(input, fullMask)
                            : model.hiddenStates(input, fullMask, cache); // (B, T, H)
                    hidden.attach(stepScope);
                    NDArray last = hidden.get(":, -1, :"); // (B, H)
                    last.attach(stepScope);
                    NDArray logits = model.logits(last); // (B, V)
                    next = sampler.next(logits);
                }
                boolean allDone = true;
                for (int b = 0; b < batch; b++) {
                    if (!done[b]) {
                        out.get(b).add((int) next[b]);
                        done[b] = eos.contains((int) next[b]);
                    }
                    allDone &= done[b];
                }
                if (allDone || step == config.maxNewTokens() - 1) {
                    break;
                }
                NDArray column = manager.create(next, new Shape(batch, 1)); // (B, 1)
                NDArray ones = manager.ones(new Shape(batch, 1), DataType.FLOAT32);
                NDArray grownMask = NDArrays.concat(new NDList(fullMask, ones), 1);
                fullMask.close();
                ones.close();
                fullMask = grownMask;
                if (cache == null) {
                    NDArray grown = NDArrays.concat(new NDList(sequence, column), 1);
                    sequence.close();
                    column.close();
                    sequence = grown;
                    input = sequence;
                } else {
                    if (input != sequence) {
                        input.close();
                    }
                    input = column;
                }
            }
        }
        List<int[]> result = new ArrayList<>();
        for (List<Integer> tokens : out) {
            result.add(tokens.stream().mapToInt(Integer::intValue).toArray());
        }
        return result;
    }
}
