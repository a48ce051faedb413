package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.impl.model.DecoderModelProperties.Case;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link TokenGenerator}: the key/value cache changes nothing, greedy follows the reference, batching is exact. */
class TokenGeneratorProperties {

    private static GenerationConfig randomConfig(Case c, int maxNewTokens) {
        Random r = new Random(c.seed());
        GenerationConfig config = r.nextBoolean()
                ? GenerationConfig.greedy(maxNewTokens)
                : GenerationConfig.sampling(maxNewTokens, 0.5 + 1.5 * r.nextDouble(),
                        List.of(1.0, 0.9, 0.5).get(r.nextInt(3)), r.nextLong());
        return r.nextBoolean() ? config.withEosTokenIds(List.of(r.nextInt(c.config().vocabSize()))) : config;
    }

    @Test
    void generationWithTheCacheEqualsRecomputingThePrefixEveryStep() {
        qt().withFixedSeed(301).withExamples(40).forAll(DecoderModelProperties.cases(5), integers().between(1, 6))
                .checkAssert((c, maxNew) -> {
                    List<int[]> prompts = Arrays.asList(c.batch().sequences());
                    GenerationConfig config = randomConfig(c, maxNew);
                    try (NDManager m = NDManager.newBaseManager();
                            DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m)) {
                        TokenGenerator generator = new TokenGenerator(model);
                        List<int[]> cached = generator.generate(prompts, config.withUseCache(true));
                        List<int[]> recomputed = generator.generate(prompts, config.withUseCache(false));
                        assertThat(cached).as("%s", config).hasSize(prompts.size());
                        for (int b = 0; b < prompts.size(); b++) {
                            assertThat(cached.get(b)).as("row %d, %s", b, config).containsExactly(recomputed.get(b));
                            assertThat(cached.get(b).length).isBetween(1, maxNew);
                        }
                    }
                });
    }

    @Test
    void perRowSeedsMakeARowsSamplesIndependentOfTheOtherRowsSeeds() {
        qt().withFixedSeed(305).withExamples(20).forAll(DecoderModelProperties.cases(3), integers().between(1, 5))
                .checkAssert((c, maxNew) -> {
                    int[] prompt = c.batch().sequences()[0];
                    Random r = new Random(c.seed());
                    GenerationConfig config = GenerationConfig.sampling(maxNew, 0.5 + r.nextDouble(), 0.9,
                            r.nextLong());
                    long own = r.nextLong();
                    try (NDManager m = NDManager.newBaseManager();
                            DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m)) {
                        TokenGenerator generator = new TokenGenerator(model);
                        // Same shapes, different partner seeds: row 0 draws only from its own stream.
                        List<int[]> a = generator.generate(List.of(prompt, prompt), config,
                                new long[] {own, r.nextLong()});
                        List<int[]> b = generator.generate(List.of(prompt, prompt), config,
                                new long[] {own, r.nextLong()});
                        assertThat(a.get(0)).containsExactly(b.get(0));
                        // One row with its own seed draws what the shared stream seeded alike draws.
                        List<int[]> alone = generator.generate(List.of(prompt), config, new long[] {own});
                        GenerationConfig shared = new GenerationConfig(maxNew, config.temperature(), config.topP(),
                                own, List.of(), true);
                        assertThat(alone.get(0)).containsExactly(generator.generate(prompt, shared));
                    }
                });
    }

    @Test
    void greedyTokensAreArgmaxesOfTheReferenceLogits() {
        qt().withFixedSeed(302).withExamples(30).forAll(DecoderModelProperties.cases(4), integers().between(1, 5))
                .checkAssert((c, maxNew) -> {
                    int[] prompt = c.batch().sequences()[0];
                    Map<String, double[]> params = c.parameters();
                    int[] generated;
                    try (NDManager m = NDManager.newBaseManager();
                            DecoderModel model = ModelTestSupport.model(c.config(), params, m)) {
                        generated = new TokenGenerator(model).generate(prompt, GenerationConfig.greedy(maxNew));
                    }
                    assertThat(generated).hasSize(maxNew);
                    ReferenceDecoder reference = new ReferenceDecoder(c.config(), params);
                    List<Integer> sequence = new ArrayList<>();
                    Arrays.stream(prompt).forEach(sequence::add);
                    for (int token : generated) {
                        int[] ids = sequence.stream().mapToInt(Integer::intValue).toArray();
                        int[] ones = new int[ids.length];
                        Arrays.fill(ones, 1);
                        double[] last = reference.logits(new int[][] {ids}, new int[][] {ones})[0][ids.length - 1];
                        double max = Arrays.stream(last).max().orElseThrow();
                        assertThat(last[token]).as("reference logit of greedy token %d after %s", token, sequence)
                                .isGreaterThanOrEqualTo(max - ModelTestSupport.TOLERANCE * (1 + Math.abs(max)));
                        sequence.add(token);
                    }
                });
    }

    @Test
    void aLeftPaddedBatchGeneratesWhatEachPromptGeneratesAlone() {
        qt().withFixedSeed(303).withExamples(30).forAll(DecoderModelProperties.cases(5), integers().between(1, 5))
                .checkAssert((c, maxNew) -> {
                    List<int[]> prompts = Arrays.asList(c.batch().sequences());
                    GenerationConfig config = GenerationConfig.greedy(maxNew)
                            .withEosTokenIds(List.of(Math.floorMod(c.seed(), c.config().vocabSize())));
                    try (NDManager m = NDManager.newBaseManager();
                            DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m)) {
                        TokenGenerator generator = new TokenGenerator(model);
                        List<int[]> batched = generator.generate(prompts, config);
                        for (int b = 0; b < prompts.size(); b++) {
                            assertThat(batched.get(b)).as("row %d", b)
                                    .containsExactly(generator.generate(prompts.get(b), config));
                        }
                    }
                });
    }
}
