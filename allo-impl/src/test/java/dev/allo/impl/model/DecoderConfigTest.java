package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.allo.AlloException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading, writing and validating {@code config.json}. */
class DecoderConfigTest {
    /** The config.json of TinyLlama-1.1B-Chat-v1.0 as Hugging Face hosts it. */
    private static final String TINY_LLAMA = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "initializer_range": 0.02,
              "intermediate_size": 5632,
              "max_position_embeddings": 2048,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 22,
              "num_key_value_heads": 4,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 10000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.35.0",
              "use_cache": true,
              "vocab_size": 32000
            }
            """;

    /** A minimal valid config with the given extra JSON members. */
    private static String tiny(String extra) {
        return "{\"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"vocab_size\": 10" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    @Test
    void ropeScalingOfTheDefaultTypeIsPlainRope() {
        assertThat(DecoderConfig.parse(tiny("\"rope_scaling\": {\"rope_type\": \"default\"}"), "c").ropeTheta())
                .isEqualTo(DecoderConfig.parse(tiny(""), "c").ropeTheta());
        assertThat(DecoderConfig.parse(tiny("\"rope_scaling\": {\"type\": \"default\"}"), "c").hiddenSize())
                .isEqualTo(8);
    }

    @Test
    void readsAHuggingFaceConfig() {
        DecoderConfig c = DecoderConfig.parse(TINY_LLAMA, "config.json");
        assertThat(c.hiddenSize()).isEqualTo(2048);
        assertThat(c.intermediateSize()).isEqualTo(5632);
        assertThat(c.numHiddenLayers()).isEqualTo(22);
        assertThat(c.numAttentionHeads()).isEqualTo(32);
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.rmsNormEps()).isEqualTo(1e-5);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.vocabSize()).isEqualTo(32000);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(2048);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.bosTokenId()).isEqualTo(1);
        assertThat(c.eosTokenIds()).containsExactly(2);
        assertThat(c.padTokenId()).isNull();
        assertThat(c.extraFields()).containsOnlyKeys("pretraining_tp", "torch_dtype", "transformers_version",
                "use_cache");
        assertThat(c.extraFields().get("torch_dtype")).isEqualTo(new TextNode("bfloat16"));
        assertThat(c.parameterCount()).isEqualTo(1_100_048_384L); // TinyLlama-1.1B's published size
    }

    @Test
    void appliesHuggingFaceDefaultsToAbsentOptionalFields() {
        DecoderConfig c = DecoderConfig.parse(tiny(""), "config.json");
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(2);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(2048);
        assertThat(c.initializerRange()).isEqualTo(0.02);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.architectures()).containsExactly("LlamaForCausalLM");
        assertThat(c.modelType()).isEqualTo("llama");
        assertThat(c.bosTokenId()).isNull();
        assertThat(c.eosTokenIds()).isEmpty();
    }

    @Test
    void acceptsAListOfEosTokensAndAnExplicitHeadDim() {
        DecoderConfig c = DecoderConfig.parse(tiny("\"eos_token_id\": [3, 7], \"head_dim\": 6, \"pad_token_id\": 0"), "x");
        assertThat(c.eosTokenIds()).containsExactly(3, 7);
        assertThat(c.headDim()).isEqualTo(6);
        assertThat(c.queryDim()).isEqualTo(24);
        assertThat(c.parameterShapes().get("model.layers.0.self_attn.q_proj.weight")).isEqualTo(new Shape(24, 8));
        assertThat(c.parameterShapes().get("model.layers.0.self_attn.o_proj.weight")).isEqualTo(new Shape(8, 24));
        assertThat(c.padTokenId()).isEqualTo(0);
    }

    @Test
    void readsRopeThetaFromNewerRopeParameters() {
        DecoderConfig c = DecoderConfig.parse(
                tiny("\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 500000.0}"), "x");
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
    }

    @Test
    void writingThenReadingGivesTheSameConfigAndKeepsUnknownFields(@TempDir Path dir) throws IOException {
        DecoderConfig c = DecoderConfig.parse(TINY_LLAMA, "config.json").toBuilder().eosTokenIds(List.of(2, 5))
                .padTokenId(0).tieWordEmbeddings(true).build();
        c.write(dir);
        Path file = dir.resolve("config.json");
        assertThat(DecoderConfig.read(file)).isEqualTo(c);
        assertThat(DecoderConfig.read(dir)).isEqualTo(c);
        assertThat(Files.readString(file)).contains("\"torch_dtype\" : \"bfloat16\"", "\"eos_token_id\" : [ 2, 5 ]");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
        DecoderConfig other = c.toBuilder().numHiddenLayers(3).build();
        other.write(file);
        assertThat(DecoderConfig.read(file)).isEqualTo(other);
    }

    @Test
    void writeFailureNamesTheFile(@TempDir Path dir) {
        DecoderConfig c = DecoderConfig.parse(tiny(""), "x");
        Path target = dir.resolve("missing-dir").resolve("config.json");
        assertThatThrownBy(() -> c.write(target)).isInstanceOf(AlloException.class)
                .hasMessageContaining(target.toString());
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path file = dir.resolve("config.json");
        assertThatThrownBy(() -> DecoderConfig.read(file)).isInstanceOf(AlloException.class)
                .hasMessageContaining("Missing config file " + file);
    }

    @Test
    void malformedJsonNamesTheFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\n  \"hidden_size\": 8,\n  \"vocab_size\": }\n");
        assertThatThrownBy(() -> DecoderConfig.read(file)).isInstanceOf(AlloException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("malformed JSON at line 3");
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                Arguments.of("[1, 2]", "expected a JSON object at the top level, got ARRAY"),
                Arguments.of("{\"hidden_size\": 8}", "missing required field \"intermediate_size\""),
                Arguments.of(tiny("\"num_key_value_heads\": \"two\""),
                        "field \"num_key_value_heads\" must be an integer, got \"two\""),
                Arguments.of(tiny("\"rms_norm_eps\": \"small\""), "field \"rms_norm_eps\" must be a number"),
                Arguments.of(tiny("\"tie_word_embeddings\": 1"), "field \"tie_word_embeddings\" must be true or false"),
                Arguments.of(tiny("\"model_type\": \"llama\", \"architectures\": [\"MistralForCausalLM\"]"),
                        "architectures must contain \"LlamaForCausalLM\" for model_type \"llama\","
                                + " got [MistralForCausalLM]"),
                Arguments.of(tiny("\"model_type\": \"gemma3_text\""), "model_type \"gemma3_text\" is not supported;"
                        + " supported: llama (LlamaForCausalLM), mistral (MistralForCausalLM), qwen2 (Qwen2ForCausalLM),"
                        + " qwen3 (Qwen3ForCausalLM), gemma2 (Gemma2ForCausalLM)"),
                Arguments.of(tiny("\"num_key_value_heads\": 3"),
                        "num_attention_heads (4) must be divisible by num_key_value_heads (3)"),
                Arguments.of(tiny("\"head_dim\": 3"), "head_dim must be even"),
                Arguments.of(tiny("\"hidden_act\": \"gelu\""), "hidden_act must be \"silu\" (SwiGLU MLP), got \"gelu\""),
                Arguments.of(tiny("\"mlp_bias\": true"), "field \"mlp_bias\" must be false"),
                Arguments.of(tiny("\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 2.0}"),
                        "field \"rope_scaling.type\" must be one of \"default\", \"linear\", \"dynamic\","
                                + " \"llama3\" (other rotary scalings are not implemented), got \"yarn\""),
                Arguments.of(tiny("\"rope_parameters\": {\"rope_type\": \"llama3\"}"),
                        "field \"rope_parameters.factor\" is required for rope_type \"llama3\""),
                Arguments.of(tiny("\"eos_token_id\": [2, 10]"), "eos_token_id must be in [0, vocab_size = 10), got 10"),
                Arguments.of(tiny("\"bos_token_id\": -1"), "bos_token_id must be in [0, vocab_size = 10), got -1"),
                Arguments.of(tiny("\"rope_theta\": 0"), "rope_theta must be positive and finite, got 0.0"),
                Arguments.of(tiny("\"rms_norm_eps\": -1e-6"), "rms_norm_eps must be positive and finite"),
                Arguments.of(tiny("\"max_position_embeddings\": 0"), "max_position_embeddings must be positive, got 0"),
                Arguments.of("{\"hidden_size\": 10, \"intermediate_size\": 16, \"num_hidden_layers\": 2,"
                        + " \"num_attention_heads\": 4, \"vocab_size\": 10}",
                        "hidden_size (10) must be divisible by num_attention_heads (4) when head_dim is not set"),
                Arguments.of("{\"hidden_size\": 8, \"intermediate_size\": 0, \"num_hidden_layers\": 2,"
                        + " \"num_attention_heads\": 4, \"vocab_size\": 10}", "intermediate_size must be positive, got 0"),
                Arguments.of("{\"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 2.5,"
                        + " \"num_attention_heads\": 4, \"vocab_size\": 10}",
                        "field \"num_hidden_layers\" must be an integer, got 2.5"));
    }

    @ParameterizedTest
    @MethodSource("invalidConfigs")
    void invalidConfigsAreRefusedNamingTheSourceAndField(String json, String message) {
        assertThatThrownBy(() -> DecoderConfig.parse(json, "/models/x/config.json")).isInstanceOf(AlloException.class)
                .hasMessageStartingWith("/models/x/config.json: ").hasMessageContaining(message);
    }

    @Test
    void theBuilderValidatesWithIllegalArgumentException() {
        DecoderConfig.Builder b = DecoderConfig.builder().hiddenSize(8).intermediateSize(16).numHiddenLayers(1)
                .numAttentionHeads(4).vocabSize(10);
        assertThatThrownBy(() -> b.numKeyValueHeads(3).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("num_attention_heads (4) must be divisible by num_key_value_heads (3)");
        assertThatThrownBy(() -> DecoderConfig.builder().hiddenSize(8).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("num_attention_heads must be set");
        assertThatThrownBy(() -> b.numKeyValueHeads(null).extraFields(Map.of("hidden_size", new TextNode("x")))
                .build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("extraFields must not contain the modelled field \"hidden_size\"");
    }

    @Test
    void parameterShapesFollowHuggingFaceNamesAndOrder() {
        DecoderConfig c = DecoderConfig.parse(tiny("\"num_key_value_heads\": 2, \"num_hidden_layers\": 1"), "x");
        assertThat(c.parameterShapes()).containsExactly(
                Map.entry("model.embed_tokens.weight", new Shape(10, 8)),
                Map.entry("model.layers.0.self_attn.q_proj.weight", new Shape(8, 8)),
                Map.entry("model.layers.0.self_attn.k_proj.weight", new Shape(4, 8)),
                Map.entry("model.layers.0.self_attn.v_proj.weight", new Shape(4, 8)),
                Map.entry("model.layers.0.self_attn.o_proj.weight", new Shape(8, 8)),
                Map.entry("model.layers.0.mlp.gate_proj.weight", new Shape(16, 8)),
                Map.entry("model.layers.0.mlp.up_proj.weight", new Shape(16, 8)),
                Map.entry("model.layers.0.mlp.down_proj.weight", new Shape(8, 16)),
                Map.entry("model.layers.0.input_layernorm.weight", new Shape(8)),
                Map.entry("model.layers.0.post_attention_layernorm.weight", new Shape(8)),
                Map.entry("model.norm.weight", new Shape(8)),
                Map.entry("lm_head.weight", new Shape(10, 8)));
        assertThat(c.toBuilder().tieWordEmbeddings(true).build().parameterShapes()).doesNotContainKey("lm_head.weight");
    }
}
