package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.fixtures.model.ReferenceFamily;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading and writing the config.json of every family, with the fields and defaults of transformers. */
class ModelFamilyConfigTest {
    /** Qwen/Qwen2.5-0.5B-Instruct's config.json. */
    static final String QWEN25 = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
             "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
             "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true,
             "use_sliding_window": false, "vocab_size": 151936}
            """;
    /** meta-llama/Llama-3.2-1B's config.json. */
    static final String LLAMA32 = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
             "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
             "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32,
             "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256}
            """;
    /** mistralai/Mistral-7B-v0.1's config.json. */
    static final String MISTRAL = """
            {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
             "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
             "sliding_window": 4096, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32000}
            """;
    /** Qwen/Qwen3-0.6B's config.json. */
    static final String QWEN3 = """
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
             "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
             "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
             "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
            """;

    /** google/gemma-2-2b's config.json. */
    static final String GEMMA2 = """
            {"architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1,
             "final_logit_softcapping": 30.0, "head_dim": 256, "hidden_act": "gelu_pytorch_tanh",
             "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304, "initializer_range": 0.02,
             "intermediate_size": 9216, "max_position_embeddings": 8192, "model_type": "gemma2",
             "num_attention_heads": 8, "num_hidden_layers": 26, "num_key_value_heads": 4, "pad_token_id": 0,
             "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "sliding_window": 4096,
             "torch_dtype": "float32", "transformers_version": "4.42.4", "use_cache": true, "vocab_size": 256000}
            """;

    @Test
    void gemma2LoadsWithItsScalarsAlternatingWindowsAndExtraNorms() {
        DecoderConfig c = DecoderConfig.parse(GEMMA2, "g");
        assertThat(c.family()).isEqualTo(ModelFamilies.GEMMA2);
        assertThat(c.hiddenAct()).isEqualTo("gelu_pytorch_tanh");
        assertThat(c.queryPreAttnScalar()).isEqualTo(256.0);
        assertThat(c.attnLogitSoftcapping()).isEqualTo(50.0);
        assertThat(c.finalLogitSoftcapping()).isEqualTo(30.0);
        assertThat(c.slidingWindow(0)).isEqualTo(4096);
        assertThat(c.slidingWindow(1)).isNull();
        assertThat(c.slidingWindow(24)).isEqualTo(4096);
        assertThat(c.tieWordEmbeddings()).as("Gemma2Config's default").isTrue();
        assertThat(c.parameterShapes()).containsKeys("model.layers.25.pre_feedforward_layernorm.weight",
                "model.layers.25.post_feedforward_layernorm.weight").doesNotContainKey("lm_head.weight");
        assertThat(c.parameterCount()).as("gemma-2-2b: 2.61B").isEqualTo(2_614_341_888L);
        assertThat(c.extraFields()).containsKey("hidden_act"); // unused by Gemma 2, kept verbatim
        DecoderConfig noCaps = DecoderConfig.parse(GEMMA2.replace("\"attn_logit_softcapping\": 50.0",
                "\"attn_logit_softcapping\": null"), "g");
        assertThat(noCaps.attnLogitSoftcapping()).isNull();
    }

    @Test
    void qwen25LoadsWithQkvBiasTiedEmbeddingsAndNoWindow() {
        DecoderConfig c = DecoderConfig.parse(QWEN25, "qwen/config.json");
        assertThat(c.family()).isEqualTo(ModelFamilies.QWEN2);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.useSlidingWindow()).isFalse();
        assertThat(c.layerTypes()).hasSize(24).containsOnly(DecoderConfig.FULL_ATTENTION);
        assertThat(c.slidingWindow(23)).isNull();
        Map<String, Shape> shapes = c.parameterShapes();
        assertThat(shapes.get("model.layers.0.self_attn.q_proj.bias")).isEqualTo(new Shape(896));
        assertThat(shapes.get("model.layers.0.self_attn.k_proj.bias")).isEqualTo(new Shape(128));
        assertThat(shapes.get("model.layers.0.self_attn.v_proj.bias")).isEqualTo(new Shape(128));
        assertThat(shapes).doesNotContainKeys("model.layers.0.self_attn.o_proj.bias", "lm_head.weight");
        // 494M parameters, as the model card says (0.49B).
        assertThat(c.parameterCount()).isEqualTo(494_032_768L);
    }

    @Test
    void qwen2SlidingLayersFollowMaxWindowLayersOnlyWhenEnabled() {
        DecoderConfig c = DecoderConfig.parse(QWEN25.replace("\"use_sliding_window\": false",
                "\"use_sliding_window\": true"), "q");
        for (int layer = 0; layer < 24; layer++) {
            assertThat(c.slidingWindow(layer)).isEqualTo(layer >= 21 ? Integer.valueOf(32768) : null);
        }
    }

    @Test
    void llama32LoadsItsLlama3RopeScaling() {
        DecoderConfig c = DecoderConfig.parse(LLAMA32, "l");
        assertThat(c.ropeScaling()).isEqualTo(new RopeScaling(RopeScaling.Type.LLAMA3, 32.0, 1.0, 4.0, 8192));
        assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
        assertThat(c.parameterShapes()).doesNotContainKey("model.layers.0.self_attn.q_proj.bias");
    }

    @Test
    void llama3FrequenciesMatchTheDoubleFormulaAtRealisticSizes() {
        RopeScaling s = new RopeScaling(RopeScaling.Type.LLAMA3, 32.0, 1.0, 4.0, 8192);
        float[] actual = s.inverseFrequencies(64, 500000.0, 131072, 0);
        double[] expected = ReferenceFamily.PLAIN.withRope("llama3", 32.0, 1.0, 4.0, 8192, 131072)
                .inverseFrequencies(64, 500000.0, 0);
        int divided = 0;
        int kept = 0;
        double[] plain = ReferenceFamily.PLAIN.inverseFrequencies(64, 500000.0, 0);
        for (int i = 0; i < actual.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).isLessThanOrEqualTo(1e-6 * expected[i]);
            divided += Math.abs(expected[i] - plain[i] / 32) < 1e-12 * plain[i] ? 1 : 0;
            kept += expected[i] == plain[i] ? 1 : 0;
        }
        assertThat(divided).as("low-frequency band").isPositive();
        assertThat(kept).as("high-frequency band").isPositive();
        assertThat(divided + kept).as("a smoothed band in between").isLessThan(actual.length);
    }

    @Test
    void dynamicFrequenciesDependOnTheLengthOnlyBeyondMaxPositions() {
        RopeScaling s = new RopeScaling(RopeScaling.Type.DYNAMIC, 2.0, 0, 0, null);
        assertThat(s.inverseFrequencies(8, 10000, 16, 10)).isEqualTo(RopeScaling.NONE.inverseFrequencies(8, 10000,
                16, 10));
        float[] longer = s.inverseFrequencies(8, 10000, 16, 40);
        double[] expected = ReferenceFamily.PLAIN.withRope("dynamic", 2.0, 0, 0, 0, 16).inverseFrequencies(8, 10000,
                40);
        for (int i = 0; i < longer.length; i++) {
            assertThat(Math.abs(longer[i] - expected[i])).isLessThanOrEqualTo(1e-6 * expected[i]);
        }
        assertThat(longer[1]).isLessThan(RopeScaling.NONE.inverseFrequencies(8, 10000, 16, 40)[1]);
    }

    @Test
    void mistralWindowDefaultsTo4096AndNullMeansFullAttention() {
        DecoderConfig c = DecoderConfig.parse(MISTRAL, "m");
        assertThat(c.family()).isEqualTo(ModelFamilies.MISTRAL);
        assertThat(c.slidingWindow(0)).isEqualTo(4096);
        DecoderConfig absent = DecoderConfig.parse(MISTRAL.replace("\"sliding_window\": 4096,", ""), "m");
        assertThat(absent.slidingWindow(31)).isEqualTo(4096);
        DecoderConfig none = DecoderConfig.parse(MISTRAL.replace("\"sliding_window\": 4096", "\"sliding_window\": null"),
                "m");
        assertThat(none.slidingWindow(0)).isNull();
        assertThat(none.toJson()).contains("\"sliding_window\" : null");
    }

    @Test
    void qwen3HasPerHeadNormsAndAHeadDimOfItsOwn() {
        DecoderConfig c = DecoderConfig.parse(QWEN3, "q3");
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.queryDim()).isEqualTo(2048).isNotEqualTo(c.hiddenSize());
        assertThat(c.parameterShapes().get("model.layers.0.self_attn.q_norm.weight")).isEqualTo(new Shape(128));
        assertThat(c.parameterShapes().get("model.layers.0.self_attn.k_norm.weight")).isEqualTo(new Shape(128));
        assertThat(c.parameterShapes()).doesNotContainKey("model.layers.0.self_attn.q_proj.bias");
        DecoderConfig noHeadDim = DecoderConfig.parse(QWEN3.replace("\"head_dim\": 128,", ""), "q3");
        assertThat(noHeadDim.headDim()).as("Qwen3Config's default head_dim").isEqualTo(128);
    }

    @Test
    void theFamilyFollowsTheArchitectureWhenModelTypeIsAbsent() {
        DecoderConfig c = DecoderConfig.parse(MISTRAL.replace("\"model_type\": \"mistral\",", ""), "m");
        assertThat(c.modelType()).isEqualTo("mistral");
    }

    @Test
    void ropeParametersOfTransformers5AreRead() {
        String v5 = LLAMA32.replace("\"rope_scaling\"", "\"rope_parameters\"")
                .replace("\"rope_type\": \"llama3\"}", "\"rope_type\": \"llama3\", \"rope_theta\": 500000.0}")
                .replace("\"rope_theta\": 500000.0, \"tie", "\"tie");
        DecoderConfig c = DecoderConfig.parse(v5, "v5");
        assertThat(c.ropeScaling().type()).isEqualTo(RopeScaling.Type.LLAMA3);
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
    }

    static Stream<String> realConfigs() {
        return Stream.of(QWEN25, LLAMA32, MISTRAL, QWEN3, GEMMA2,
                QWEN25.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"));
    }

    @ParameterizedTest
    @MethodSource("realConfigs")
    void writeThenReadGivesTheSameConfig(String json) {
        DecoderConfig c = DecoderConfig.parse(json, "c");
        assertThat(DecoderConfig.parse(c.toJson(), "again")).isEqualTo(c);
    }

    @Test
    void everyTestCaseConfigSurvivesJson() {
        for (FamilyCase f : FamilyCase.all()) {
            assertThat(DecoderConfig.parse(f.config().toJson(), f.name())).as(f.name()).isEqualTo(f.config());
        }
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(GEMMA2.replace("\"hidden_activation\": \"gelu_pytorch_tanh\"",
                        "\"hidden_activation\": \"gelu\""),
                        "hidden_activation must be \"gelu_pytorch_tanh\" (GeGLU MLP), got \"gelu\""),
                Arguments.of(GEMMA2.replace("\"final_logit_softcapping\": 30.0", "\"final_logit_softcapping\": -1"),
                        "final_logit_softcapping must be positive and finite or null, got -1.0"),
                Arguments.of(GEMMA2.replace("\"query_pre_attn_scalar\": 256", "\"query_pre_attn_scalar\": 0"),
                        "query_pre_attn_scalar must be positive and finite, got 0.0"),
                Arguments.of(QWEN25.replace("\"qwen2\"", "\"qwen2_moe\""),
                        "model_type \"qwen2_moe\" is not supported; supported: llama (LlamaForCausalLM), mistral"),
                Arguments.of(QWEN25.replace("\"model_type\": \"qwen2\",", "")
                        .replace("Qwen2ForCausalLM", "GPT2LMHeadModel"),
                        "architectures must name exactly one supported architecture when model_type is absent, got"
                                + " [GPT2LMHeadModel]"),
                Arguments.of(LLAMA32.replace("\"llama3\"", "\"longrope\""),
                        "field \"rope_scaling.rope_type\" must be one of \"default\", \"linear\", \"dynamic\","
                                + " \"llama3\" (other rotary scalings are not implemented), got \"longrope\""),
                Arguments.of(LLAMA32.replace("\"factor\": 32.0", "\"factor\": 0.5"),
                        "rope_scaling.factor must be a finite number >= 1 for rope_type \"llama3\", got 0.5"),
                Arguments.of(LLAMA32.replace("\"high_freq_factor\": 4.0,", ""),
                        "field \"rope_scaling.high_freq_factor\" is required for rope_type \"llama3\""),
                Arguments.of(LLAMA32.replace("\"high_freq_factor\": 4.0", "\"high_freq_factor\": 1.0"),
                        "rope_scaling.high_freq_factor must be finite and greater than low_freq_factor (1.0), got 1.0"),
                Arguments.of(MISTRAL.replace("\"sliding_window\": 4096", "\"sliding_window\": 0"),
                        "sliding_window must be positive or null, got 0"),
                Arguments.of(QWEN25.replace("\"max_window_layers\": 21", "\"max_window_layers\": -1"),
                        "max_window_layers must be a non-negative integer, got -1"),
                Arguments.of(QWEN25.replace("\"use_cache\": true", "\"layer_types\": [\"full_attention\"]"),
                        "layer_types must have one entry per layer (num_hidden_layers = 24), got 1"),
                Arguments.of(QWEN3.replace("\"use_cache\": true", "\"layer_types\": "
                        + List.of("\"chunked_attention\"", "\"x\"").toString()).replace("\"num_hidden_layers\": 28",
                        "\"num_hidden_layers\": 2"),
                        "layer_types[0] must be \"full_attention\" or \"sliding_attention\", got \"chunked_attention\""),
                Arguments.of(QWEN3.replace("\"use_cache\": true", "\"layer_types\": [\"full_attention\","
                        + " \"sliding_attention\"]").replace("\"num_hidden_layers\": 28", "\"num_hidden_layers\": 2"),
                        "layer_types[1] is \"sliding_attention\" but the sliding window is off"
                                + " (use_sliding_window = false, sliding_window = null)"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidFamilyFieldsAreRefusedNamingTheFieldAndValues(String json, String message) {
        assertThatThrownBy(() -> DecoderConfig.parse(json, "/m/config.json")).isInstanceOf(AlloException.class)
                .hasMessageStartingWith("/m/config.json: ").hasMessageContaining(message);
    }

    @Test
    void attentionBiasIsRefusedWhereTheFamilyFixesTheBiases() {
        assertThatThrownBy(() -> DecoderConfig.builder().modelType("qwen2").hiddenSize(8).intermediateSize(8)
                .numHiddenLayers(1).numAttentionHeads(2).vocabSize(5).attentionBias(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("attention_bias is not a field of model_type \"qwen2\"");
        // In a file transformers ignores it for Qwen2 (an unknown field): kept verbatim, biases as the family says.
        DecoderConfig c = DecoderConfig.parse(QWEN25.replace("\"use_cache\": true", "\"attention_bias\": false"), "q");
        assertThat(c.extraFields()).containsKey("attention_bias");
    }
}
