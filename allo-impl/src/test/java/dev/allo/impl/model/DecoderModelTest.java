package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Worked examples: construction, copies, input checks and gradients of {@link DecoderModel}. */
class DecoderModelTest {
    private static final DecoderConfig CONFIG = DecoderConfig.builder().hiddenSize(16).intermediateSize(24)
            .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(50).padTokenId(3)
            .initializerRange(0.02).build();

    private static Map<String, NDArray> zeros(DecoderConfig config, NDManager m) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        config.parameterShapes().forEach((name, shape) -> tensors.put(name, m.zeros(shape)));
        return tensors;
    }

    private static NDArray sampleIds(NDManager m) {
        return m.create(new long[] {5, 9, 3, 44, 2, 17, 8, 8}, new Shape(2, 4));
    }

    @Test
    void randomInitialisationFollowsHuggingFace() {
        try (DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 1)) {
            NDArray embed = model.parameters().get("model.embed_tokens.weight");
            assertThat(embed.get(3).abs().sum().getFloat()).as("pad row zero").isZero();
            NDArray up = model.parameters().get("model.layers.1.mlp.up_proj.weight");
            assertThat(up.mean().getFloat()).isCloseTo(0f, within(0.003f));
            assertThat(up.square().mean().sqrt().getFloat()).as("std").isCloseTo(0.02f, within(0.002f));
            assertThat(model.parameters().get("model.norm.weight").toFloatArray()).containsOnly(1f);
            assertThat(model.isTrainable()).isFalse();
        }
    }

    @Test
    void theSameSeedGivesTheSameModel() {
        try (DecoderModel a = DecoderModel.random(CONFIG, Device.cpu(), 7);
                DecoderModel b = DecoderModel.random(CONFIG, Device.cpu(), 7);
                DecoderModel c = DecoderModel.random(CONFIG, Device.cpu(), 8)) {
            String name = "model.layers.0.self_attn.q_proj.weight";
            assertThat(a.parameters().get(name).toFloatArray()).containsExactly(b.parameters().get(name).toFloatArray());
            assertThat(a.parameters().get(name).toFloatArray()).isNotEqualTo(c.parameters().get(name).toFloatArray());
        }
    }

    @Test
    void fromTensorsNamesMissingAndUnexpectedTensors() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = zeros(CONFIG, m);
            tensors.remove("model.layers.1.mlp.down_proj.weight");
            tensors.put("model.layers.2.mlp.down_proj.weight", m.zeros(new Shape(16, 24)));
            assertThatThrownBy(() -> DecoderModel.fromTensors(CONFIG, tensors, Device.cpu()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("missing 1: model.layers.1.mlp.down_proj.weight")
                    .hasMessageContaining("unexpected 1: model.layers.2.mlp.down_proj.weight");
            Map<String, NDArray> tied = zeros(CONFIG.toBuilder().tieWordEmbeddings(true).build(), m);
            assertThatThrownBy(() -> DecoderModel.fromTensors(CONFIG, tied, Device.cpu()))
                    .hasMessageContaining("tie_word_embeddings=false").hasMessageContaining("missing 1: lm_head.weight");
        }
    }

    @Test
    void fromTensorsNamesAWrongShapeOrType() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = zeros(CONFIG, m);
            tensors.put("model.layers.0.self_attn.k_proj.weight", m.zeros(new Shape(16, 16)));
            assertThatThrownBy(() -> DecoderModel.fromTensors(CONFIG, tensors, Device.cpu()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Tensor model.layers.0.self_attn.k_proj.weight has shape (16, 16),"
                            + " expected (8, 16)")
                    .hasMessageContaining("num_key_value_heads=2, head_dim=4");
            Map<String, NDArray> ints = zeros(CONFIG, m);
            ints.put("model.norm.weight", m.zeros(new Shape(16), DataType.INT32));
            assertThatThrownBy(() -> DecoderModel.fromTensors(CONFIG, ints, Device.cpu()))
                    .hasMessage("Tensor model.norm.weight has type int32, expected a floating-point type");
        }
    }

    @Test
    void fromTensorsCopiesSoTheCallerKeepsItsArrays() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = zeros(CONFIG, m);
            tensors.put("model.norm.weight", m.ones(new Shape(16), DataType.FLOAT16));
            try (DecoderModel model = DecoderModel.fromTensors(CONFIG, tensors, Device.cpu())) {
                NDArray norm = model.parameters().get("model.norm.weight");
                assertThat(norm.getDataType()).isEqualTo(DataType.FLOAT32);
                norm.addi(1);
                model.parameters().get("model.embed_tokens.weight").addi(1);
                assertThat(tensors.get("model.norm.weight").toType(DataType.FLOAT32, false).toFloatArray())
                        .containsOnly(1f);
                assertThat(tensors.get("model.embed_tokens.weight").toFloatArray()).containsOnly(0f);
            }
            assertThat(tensors.get("model.embed_tokens.weight").isReleased()).isFalse();
        }
    }

    @Test
    void aCopySharesNoMemoryAndComputesTheSameLogits() {
        try (NDManager m = NDManager.newBaseManager();
                DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 3)) {
            model.setTrainable(true);
            NDArray ids = sampleIds(m);
            NDArray mask = m.ones(new Shape(2, 4));
            try (DecoderModel copy = model.copy()) {
                assertThat(copy.isTrainable()).isTrue();
                assertThat(copy.parameters().keySet()).containsExactlyElementsOf(model.parameters().keySet());
                assertThat(copy.forward(ids, mask).toFloatArray()).containsExactly(model.forward(ids, mask).toFloatArray());
                copy.parameters().get("model.embed_tokens.weight").muli(0);
                assertThat(model.parameters().get("model.embed_tokens.weight").abs().sum().getFloat()).isPositive();
            }
            assertThat(model.forward(ids, mask).isReleased()).isFalse();
        }
    }

    @Test
    void badInputsAreRefusedWithTheirShapesAndValues() {
        try (NDManager m = NDManager.newBaseManager();
                DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 3)) {
            NDArray ids = sampleIds(m);
            assertThatThrownBy(() -> model.forward(ids, m.ones(new Shape(2, 5))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("attentionMask must have shape (2, 4) (batch, cached + new tokens), got (2, 5)");
            assertThatThrownBy(() -> model.forward(ids.reshape(8), m.ones(new Shape(8))))
                    .hasMessage("inputIds must be (B, T), got shape (8)");
            assertThatThrownBy(() -> model.forward(ids.add(10), m.ones(new Shape(2, 4))))
                    .hasMessage("inputIds must be in [0, vocab_size = 50), got a token id 54");
            assertThatThrownBy(() -> model.forward(ids.toType(DataType.FLOAT32, false), m.ones(new Shape(2, 4))))
                    .hasMessage("inputIds must be an integer type, got float32");
        }
    }

    @Test
    void aCacheRefusesAnotherBatch() {
        try (NDManager m = NDManager.newBaseManager();
                DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 3);
                KeyValueCache cache = model.newKeyValueCache()) {
            model.hiddenStates(sampleIds(m), m.ones(new Shape(2, 4)), cache);
            assertThat(cache.length()).isEqualTo(4);
            NDArray one = m.create(new long[] {1}, new Shape(1, 1));
            assertThatThrownBy(() -> model.hiddenStates(one, m.ones(new Shape(2, 5)), cache))
                    .hasMessage("attentionMask must have shape (1, 5) (batch, cached + new tokens), got (2, 5)");
            assertThatThrownBy(() -> model.hiddenStates(one, m.ones(new Shape(1, 5)), cache))
                    .hasMessage("The cache holds a batch of 2 sequences, got a batch of 1");
        }
    }

    @Test
    void resultsBelongToTheCallersManagerAndIntermediatesAreReleased() {
        try (NDManager m = NDManager.newBaseManager();
                DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 3)) {
            NDArray ids = sampleIds(m);
            NDArray mask = m.ones(new Shape(2, 4), DataType.BOOLEAN);
            int before = m.getManagedArrays().size();
            NDArray logits = model.forward(ids, mask);
            assertThat(logits.getManager()).isSameAs(m);
            // The hidden states (first operand of the head) and the logits: nothing else stays behind.
            assertThat(m.getManagedArrays().size() - before).isEqualTo(2);
            assertThat(ids.getManager()).isSameAs(m);
            assertThat(model.manager().getManagedArrays()).hasSize(CONFIG.parameterShapes().size());
        }
    }

    @Test
    void everyParameterReceivesAGradient() {
        try (NDManager m = NDManager.newBaseManager();
                DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 5)) {
            model.setTrainable(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray lp = TokenLogProbs.chunked(2).compute(model, sampleIds(m), m.ones(new Shape(2, 4)),
                        m.ones(new Shape(2, 4)));
                collector.backward(lp.sum());
            }
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                NDArray grad = e.getValue().getGradient();
                assertThat(grad.abs().sum().getFloat()).as(e.getKey()).isPositive();
                assertThat(grad.isInfinite().any().getBoolean() || grad.isNaN().any().getBoolean()).isFalse();
            }
        }
    }

    @Test
    void tokensPredictedFromPaddingAreNotScored() {
        try (NDManager m = NDManager.newBaseManager();
                DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 5)) {
            NDArray ids = sampleIds(m);
            NDArray mask = m.create(new float[] {0, 0, 1, 1, 1, 1, 1, 0}, new Shape(2, 4));
            NDArray lp = TokenLogProbs.unchunked().compute(model, ids, mask, m.ones(new Shape(2, 4)));
            float[] v = lp.toFloatArray();
            // Row 0: tokens 0, 1 are padding, token 2 follows padding; only token 3 is scored.
            assertThat(v[0]).isZero();
            assertThat(v[1]).isZero();
            assertThat(v[2]).isZero();
            assertThat(v[3]).isNegative();
            // Row 1: token 0 has no predecessor, token 3 is padding.
            assertThat(v[4]).isZero();
            assertThat(v[5]).isNegative();
            assertThat(v[6]).isNegative();
            assertThat(v[7]).isZero();
        }
    }

    @Test
    void generationStopsAtEosOrTheLengthLimit() {
        try (DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 9)) {
            TokenGenerator generator = new TokenGenerator(model);
            int[] prompt = {1, 2, 3};
            int[] free = generator.generate(prompt, GenerationConfig.greedy(6));
            assertThat(free).hasSize(6);
            int eos = free[2];
            int firstEos = java.util.stream.IntStream.range(0, 6).filter(i -> free[i] == eos).findFirst().orElseThrow();
            int[] stopped = generator.generate(prompt, GenerationConfig.greedy(6).withEosTokenIds(List.of(eos)));
            assertThat(stopped).containsExactly(java.util.Arrays.copyOf(free, firstEos + 1));
            assertThatThrownBy(() -> generator.generate(new int[0], GenerationConfig.greedy(2)))
                    .hasMessage("prompt 0 must have at least one token");
            assertThatThrownBy(() -> generator.generate(new int[] {50}, GenerationConfig.greedy(2)))
                    .hasMessage("prompt 0 has token id 50 outside [0, vocab_size = 50)");
            assertThatThrownBy(() -> GenerationConfig.sampling(2, 1.0, 1.5, 1))
                    .hasMessage("topP must be in (0, 1], got 1.5");
        }
    }

    @Test
    void seededSamplingIsReproducible() {
        try (DecoderModel model = DecoderModel.random(CONFIG.toBuilder().initializerRange(1.0).build(), Device.cpu(), 9)) {
            TokenGenerator generator = new TokenGenerator(model);
            int[] prompt = {1, 2, 3};
            int[] a = generator.generate(prompt, GenerationConfig.sampling(12, 1.0, 0.95, 42));
            assertThat(generator.generate(prompt, GenerationConfig.sampling(12, 1.0, 0.95, 42))).containsExactly(a);
            assertThat(generator.generate(prompt, GenerationConfig.sampling(12, 1.0, 0.95, 43))).isNotEqualTo(a);
        }
    }

    @Test
    @Tag("gpu")
    void theGpuComputesTheCpuLogits() {
        Assumptions.assumeTrue(Engine.getInstance().getGpuCount() > 0, "no GPU");
        try (NDManager m = NDManager.newBaseManager(Device.gpu());
                DecoderModel cpu = DecoderModel.random(CONFIG, Device.cpu(), 4);
                DecoderModel gpu = cpu.copy(Device.gpu())) {
            NDArray ids = sampleIds(m);
            NDArray mask = m.ones(new Shape(2, 4));
            assertThat(gpu.device()).isEqualTo(Device.gpu());
            float[] onGpu = gpu.forward(ids, mask).toFloatArray();
            try (NDManager c = NDManager.newBaseManager(Device.cpu())) {
                float[] onCpu = cpu.forward(ids.toDevice(Device.cpu(), true), c.ones(new Shape(2, 4))).toFloatArray();
                assertThat(onGpu).containsExactly(onCpu, within(1e-4f));
            }
        }
    }
}
