package dev.allo.impl.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.data.Fingerprint;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.TokenizedPair;
import dev.allo.fixtures.data.DataGenerators;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.scorer.RewritePrompt;
import dev.allo.scorer.RewriteScorerConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.scorer.TokenScores;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rewrite-model scorer (Eq. 5) against a double-precision teacher-forcing reference on a tiny model. */
class RewriteModelTokenScorerProperties {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();
    private static final PromptTemplate COMPACT = PromptTemplate.of("compact",
            "P:{problem}\nS:{solution}\nW:{prediction}\nC:");
    private static final ReferenceDecoderConfig CONFIG =
            new ReferenceDecoderConfig(16, 24, 2, 4, 2, 4, TOKENIZER.vocabSize(), 1e-5, 10000.0, false);

    private static Map<String, double[]> parameters;
    private static ReferenceDecoder reference;
    private static DecoderModel rewriter;

    @BeforeAll
    static void buildModels() {
        // A large init spread gives probabilities far from uniform, so Eq. (5) sees both sides of u.
        parameters = ReferenceDecoder.randomParameters(CONFIG, 17, 0.6);
        reference = new ReferenceDecoder(CONFIG, parameters);
        rewriter = modelOf(parameters);
    }

    @AfterAll
    static void close() {
        rewriter.close();
    }

    @Test
    void probabilitiesAndRewardsEqualTheReferenceInAnyBatching() {
        qt().withFixedSeed(5).withExamples(8)
                .forAll(lists().of(DataGenerators.asciiStrings(1, 12)).ofSizeBetween(3, 15),
                        integers().between(1, 4))
                .checkAssert((texts, batchSize) -> {
                    List<TokenizedPair> pairs = pairs(texts);
                    RewriteScorerConfig config = RewriteScorerConfig.defaults().withTemplate(COMPACT)
                            .withBatchSize(batchSize);
                    List<double[]> expected = new ArrayList<>();
                    for (TokenizedPair pair : pairs) {
                        expected.add(referenceProbabilities(pair, COMPACT));
                    }
                    // u at the median of the reference probabilities: both outcomes of Eq. (5) occur.
                    double u = median(expected);
                    RewriteModelTokenScorer scorer =
                            new RewriteModelTokenScorer(rewriter, TOKENIZER, config.withThreshold(u));
                    List<double[]> actual = scorer.probabilities(pairs);
                    List<TokenScores> scores = scorer.scoreAll(pairs);
                    for (int i = 0; i < pairs.size(); i++) {
                        double[] want = expected.get(i);
                        assertThat(actual.get(i)).hasSize(want.length);
                        float[] r = scores.get(i).rejected();
                        for (int j = 0; j < want.length; j++) {
                            assertThat(actual.get(i)[j]).as("pair %d token %d", i, j)
                                    .isCloseTo(want[j], org.assertj.core.data.Offset.offset(1e-4 + 1e-4 * want[j]));
                            if (Math.abs(want[j] - u) > 1e-3) {
                                assertThat(r[j]).as("r for pair %d token %d (p=%s, u=%s)", i, j, want[j], u)
                                        .isEqualTo(want[j] < u ? 1f : 0f); // Eq. (5), reference side
                            }
                        }
                    }
                });
    }

    @Test
    void defaultTemplateIsTheTable6RewritePromptAndTheFactoryFindsTheScorer() {
        List<TokenizedPair> pairs = pairs(List.of("3 + 4 = 7", "3 + 4 = 8", "The answer is: 7"));
        TokenScorer scorer = TokenScorer.rewriteModel(rewriter, TOKENIZER, RewriteScorerConfig.defaults());
        assertThat(scorer).isInstanceOf(RewriteModelTokenScorer.class);
        double[] want = referenceProbabilities(pairs.get(0), PromptTemplate.solutionRewriting());
        double[] got = ((RewriteModelTokenScorer) scorer).probabilities(pairs.subList(0, 1)).get(0);
        assertThat(got).hasSize(want.length);
        for (int j = 0; j < want.length; j++) {
            assertThat(got[j]).isCloseTo(want[j], org.assertj.core.data.Offset.offset(1e-4 + 1e-4 * want[j]));
        }
    }

    @Test
    void fingerprintFollowsTheRewriterWeightsAndTheThreshold() {
        RewriteScorerConfig config = RewriteScorerConfig.defaults();
        String base = fingerprint(new RewriteModelTokenScorer(rewriter, TOKENIZER, config));
        assertThat(fingerprint(new RewriteModelTokenScorer(rewriter, TOKENIZER, config))).isEqualTo(base);
        assertThat(fingerprint(new RewriteModelTokenScorer(rewriter, TOKENIZER, config.withThreshold(0.9))))
                .isNotEqualTo(base);
        Map<String, double[]> changed = new LinkedHashMap<>(parameters);
        double[] norm = changed.get("model.norm.weight").clone();
        norm[0] += 1e-3;
        changed.put("model.norm.weight", norm);
        try (DecoderModel other = modelOf(changed)) {
            assertThat(fingerprint(new RewriteModelTokenScorer(other, TOKENIZER, config))).isNotEqualTo(base);
        }
    }

    private static String fingerprint(TokenScorer scorer) {
        Fingerprint.Builder b = Fingerprint.builder("test");
        scorer.fingerprint(b);
        return b.build();
    }

    /** Teacher forcing in double precision on the unpadded sequence: p_j = softmax(z[start + j - 1])[y_j]. */
    private static double[] referenceProbabilities(TokenizedPair pair, PromptTemplate template) {
        RewritePrompt.Sequence s = RewritePrompt.sequence(pair, TOKENIZER, template);
        int[] ids = s.ids();
        int[] mask = new int[ids.length];
        Arrays.fill(mask, 1);
        double[][] logits = reference.logits(new int[][] {ids}, new int[][] {mask})[0];
        double[] p = new double[ids.length - s.responseStart()];
        for (int j = 0; j < p.length; j++) {
            double[] z = logits[s.responseStart() + j - 1];
            double max = Arrays.stream(z).max().orElseThrow();
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            p[j] = Math.exp(z[ids[s.responseStart() + j]] - max) / sum;
        }
        return p;
    }

    private static List<TokenizedPair> pairs(List<String> texts) {
        List<TokenizedPair> pairs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String rejected = texts.get(i);
            PreferenceExample ex = PreferenceExample.of("Q" + i + "?", "right " + i, rejected);
            pairs.add(TokenizedPair.unweighted(i, ex, TOKENIZER.encode(ex.prompt()), TOKENIZER.encode(ex.chosen()),
                    TOKENIZER.encode(rejected), Optional.empty()));
        }
        return pairs;
    }

    private static double median(List<double[]> values) {
        double[] all = values.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
        return all[all.length / 2];
    }

    private static DecoderModel modelOf(Map<String, double[]> params) {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(CONFIG.hiddenSize())
                .intermediateSize(CONFIG.intermediateSize()).numHiddenLayers(CONFIG.numLayers())
                .numAttentionHeads(CONFIG.numHeads()).numKeyValueHeads(CONFIG.numKvHeads())
                .headDim(CONFIG.headDim()).vocabSize(CONFIG.vocabSize()).rmsNormEps(CONFIG.rmsNormEps())
                .ropeTheta(CONFIG.ropeTheta()).tieWordEmbeddings(CONFIG.tieWordEmbeddings())
                .maxPositionEmbeddings(1024).build();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, int[]> e : CONFIG.parameterShapes().entrySet()) {
                double[] v = params.get(e.getKey());
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = (float) v[i];
                }
                tensors.put(e.getKey(), m.create(f, new Shape(Arrays.stream(e.getValue()).asLongStream().toArray())));
            }
            return DecoderModel.fromTensors(config, tensors, Device.cpu());
        }
    }
}
