package dev.allo.impl.model;

import java.util.List;

/**
 * How {@link TokenGenerator} continues prompts.
 *
 * <p>Each step turns the logits {@code z} of the last position into a token: with {@code temperature = 0},
 * greedily ({@code argmax z}); otherwise by sampling from {@code softmax(z / temperature)} restricted to the
 * nucleus (top-p): the most probable tokens, in descending probability, whose cumulative probability before them is
 * below {@code topP} (so at least one token is kept), renormalised. Generation of a sequence stops after an EOS
 * token (which is included in the output) or after {@code maxNewTokens} tokens.
 *
 * @param maxNewTokens the most tokens generated per prompt, at least 1
 * @param temperature 0 for greedy decoding, otherwise the positive softmax temperature
 * @param topP the nucleus mass in (0, 1]; 1 keeps every token
 * @param seed seed of the sampler's random numbers (ignored when greedy)
 * @param eosTokenIds tokens that end a sequence; empty means only the length limit stops it
 * @param useCache whether to keep a key/value cache (true, the fast path) or recompute the whole prefix at every
 *     step (false, for testing)
 */
public record GenerationConfig(
        int maxNewTokens, double temperature, double topP, long seed, List<Integer> eosTokenIds, boolean useCache) {

    /** Validates the values. */
    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
    }

    /**
     * Greedy decoding with a cache and no EOS.
     *
     * @param maxNewTokens the most tokens generated per prompt
     * @return the configuration
     */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0, 1, 0, List.of(), true);
    }

    /**
     * Temperature and top-p sampling with a cache and no EOS.
     *
     * @param maxNewTokens the most tokens generated per prompt
     * @param temperature the positive softmax temperature
     * @param topP the nucleus mass in (0, 1]
     * @param seed the sampler's seed
     * @return the configuration
     */
    public static GenerationConfig sampling(int maxNewTokens, double temperature, double topP, long seed) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0 for sampling, got " + temperature);
        }
        return new GenerationConfig(maxNewTokens, temperature, topP, seed, List.of(), true);
    }

    /**
     * This configuration with other EOS tokens.
     *
     * @param ids the tokens that end a sequence
     * @return the new configuration
     */
    public GenerationConfig withEosTokenIds(List<Integer> ids) {
        return new GenerationConfig(maxNewTokens, temperature, topP, seed, ids, useCache);
    }

    /**
     * This configuration with or without the key/value cache.
     *
     * @param cache whether to use the cache
     * @return the new configuration
     */
    public GenerationConfig withUseCache(boolean cache) {
        return new GenerationConfig(maxNewTokens, temperature, topP, seed, eosTokenIds, cache);
    }

    /**
     * Whether tokens are chosen greedily.
     *
     * @return {@code temperature == 0}
     */
    public boolean isGreedy() {
        return temperature == 0;
    }
}
