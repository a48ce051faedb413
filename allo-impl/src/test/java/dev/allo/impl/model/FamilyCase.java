package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.model.ReferenceFamily;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import java.util.List;
import java.util.Map;

/**
 * One case per family option: the implementation's config (built through the builder, as a user would) beside the
 * reference's sizes and family options (written independently from the published semantics).
 *
 * @param name what the case covers
 * @param config the implementation's configuration
 * @param sizes the reference sizes
 * @param family the reference family options
 */
record FamilyCase(String name, DecoderConfig config, ReferenceDecoderConfig sizes, ReferenceFamily family) {

    /** Two layers, GQA (4 query heads over 2 key/value heads), d = 8, vocabulary 23. */
    static ReferenceDecoderConfig sizes(boolean tied, int headDim, int hidden) {
        return new ReferenceDecoderConfig(hidden, 20, 2, 4, 2, headDim, 23, 1e-6, 10000.0, tied);
    }

    static DecoderConfig.Builder builder(ReferenceDecoderConfig r, String modelType) {
        return DecoderConfig.builder().modelType(modelType).hiddenSize(r.hiddenSize())
                .intermediateSize(r.intermediateSize()).numHiddenLayers(r.numLayers())
                .numAttentionHeads(r.numHeads()).numKeyValueHeads(r.numKvHeads()).headDim(r.headDim())
                .vocabSize(r.vocabSize()).rmsNormEps(r.rmsNormEps()).ropeTheta(r.ropeTheta())
                .tieWordEmbeddings(r.tieWordEmbeddings());
    }

    /** The cases: every family and every option that changes the forward pass. */
    static List<FamilyCase> all() {
        ReferenceDecoderConfig plain = sizes(false, 8, 24);
        ReferenceFamily base = ReferenceFamily.PLAIN;
        return List.of(
                new FamilyCase("llama", builder(plain, "llama").build(), plain, base),
                new FamilyCase("llama attention_bias", builder(plain, "llama").attentionBias(true).build(), plain,
                        base.withBiases(true, true)),
                new FamilyCase("llama linear rope", builder(plain, "llama")
                        .ropeScaling(new RopeScaling(RopeScaling.Type.LINEAR, 4.0, 0, 0, null)).build(), plain,
                        base.withRope("linear", 4.0, 0, 0, 0, 2048)),
                // max_position_embeddings 6 < the longest test sequence: the frequencies depend on the batch.
                new FamilyCase("llama dynamic rope", builder(plain, "llama").maxPositionEmbeddings(6)
                        .ropeScaling(new RopeScaling(RopeScaling.Type.DYNAMIC, 2.0, 0, 0, null)).build(), plain,
                        base.withRope("dynamic", 2.0, 0, 0, 0, 6)),
                // original context 64, factors 1 and 4: wavelengths 6.3, 35, 199, 1117 (d = 8, theta = 10000)
                // fall in the kept (< 16), interpolated (16..64) and divided (> 64) bands.
                new FamilyCase("llama3 rope", builder(plain, "llama").maxPositionEmbeddings(512)
                        .ropeScaling(new RopeScaling(RopeScaling.Type.LLAMA3, 8.0, 1.0, 4.0, 64)).build(), plain,
                        base.withRope("llama3", 8.0, 1.0, 4.0, 64, 512)),
                new FamilyCase("mistral window 3", builder(plain, "mistral").slidingWindow(3).build(), plain,
                        base.withWindows(3, 3)),
                new FamilyCase("mistral no window", builder(plain, "mistral").slidingWindow(null).build(), plain,
                        base),
                new FamilyCase("qwen2 tied", builder(sizes(true, 8, 24), "qwen2").build(), sizes(true, 8, 24),
                        base.withBiases(true, false)),
                new FamilyCase("qwen2 sliding layer 1", builder(plain, "qwen2").useSlidingWindow(true)
                        .slidingWindow(2).maxWindowLayers(1).build(), plain,
                        base.withBiases(true, false).withWindows(0, 2)),
                // head_dim 6 with 4 heads and hidden 20: independent of hidden_size / heads.
                new FamilyCase("qwen3", builder(sizes(false, 6, 20), "qwen3").build(), sizes(false, 6, 20),
                        base.withQkNorm(true)),
                new FamilyCase("qwen3 attention_bias", builder(sizes(true, 6, 20), "qwen3").attentionBias(true)
                        .build(), sizes(true, 6, 20), base.withQkNorm(true).withBiases(true, true)),
                // Small caps so that soft-capping bends the scores and logits; window 3 on layer 0 only.
                new FamilyCase("gemma2", builder(sizes(true, 8, 24), "gemma2").slidingWindow(3)
                        .queryPreAttnScalar(10.0).attnLogitSoftcapping(0.8).finalLogitSoftcapping(1.5).build(),
                        sizes(true, 8, 24), base.withWindows(3, 0)
                                .withGemma(new ReferenceFamily.Gemma(10.0, 0.8, 1.5))),
                new FamilyCase("gemma2 no caps, attention_bias", builder(plain, "gemma2").slidingWindow(null)
                        .attnLogitSoftcapping(null).finalLogitSoftcapping(null).attentionBias(true).build(), plain,
                        base.withBiases(true, true).withGemma(new ReferenceFamily.Gemma(256.0, 0, 0))));
    }

    /** Random reference parameters for this case (biases and norms not at their initial values). */
    Map<String, double[]> parameters(long seed) {
        return ReferenceDecoder.randomParameters(sizes, family, seed, 0.3);
    }

    ReferenceDecoder reference(Map<String, double[]> params) {
        return new ReferenceDecoder(sizes, family, params);
    }

    /** A model holding exactly the given reference parameters (rounded to float). */
    DecoderModel model(Map<String, double[]> params, NDManager manager) {
        return DecoderModel.fromTensors(config,
                ModelTestSupport.floatTensors(sizes.parameterShapes(family), params, manager), Device.cpu());
    }

    @Override
    public String toString() {
        return name;
    }
}
