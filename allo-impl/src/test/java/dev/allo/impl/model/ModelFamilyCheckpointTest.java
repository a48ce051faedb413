package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.SafetensorsDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every family's checkpoint round trip, the files transformers reads, and generation with and without a cache. */
class ModelFamilyCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Stream<FamilyCase> cases() {
        return FamilyCase.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void saveThenLoadIsBitExactWithTheSameConfig(FamilyCase c) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); DecoderModel model = c.model(c.parameters(3), manager)) {
            Path out = dir.resolve("f32");
            DecoderCheckpoints.save(model, out);
            try (DecoderModel loaded = DecoderCheckpoints.load(out, Device.cpu())) {
                assertThat(loaded.config()).isEqualTo(withDtype(c.config(), "float32"));
                assertBitIdentical(model.parameters(), loaded.parameters());
            }
            JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
            assertThat(config.get("model_type").asText()).isEqualTo(c.config().modelType());
            assertThat(config.get("architectures").get(0).asText()).isEqualTo(c.config().family().architecture());
            assertThat(config.get("torch_dtype").asText()).isEqualTo("float32");
            assertThat(Files.exists(out.resolve(DecoderCheckpoints.GENERATION_CONFIG_FILE))).isTrue();
        }
    }

    @Test
    void bf16AndShardedOutputsAreWhatTransformersReads() throws IOException {
        FamilyCase c = FamilyCase.all().stream().filter(f -> f.name().equals("qwen2 tied")).findFirst().orElseThrow();
        DecoderConfig config = c.config().toBuilder().bosTokenId(1).eosTokenIds(List.of(2, 3)).padTokenId(0).build();
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 9)) {
            Path out = dir.resolve("bf16");
            DecoderCheckpoints.save(model, out, SafetensorsDtype.BF16, 2_000);
            assertThat(JSON.readTree(out.resolve("config.json").toFile()).get("torch_dtype").asText())
                    .isEqualTo("bfloat16");
            JsonNode generation = JSON.readTree(out.resolve("generation_config.json").toFile());
            assertThat(generation.get("bos_token_id").asInt()).isEqualTo(1);
            assertThat(generation.get("eos_token_id").toString()).isEqualTo("[2,3]");
            assertThat(generation.get("pad_token_id").asInt()).isEqualTo(0);
            JsonNode index = JSON.readTree(out.resolve(HfCheckpoint.INDEX_FILE).toFile());
            assertThat(index.get("weight_map").size()).isEqualTo(config.parameterShapes().size());
            assertThat(Files.exists(out.resolve("model.safetensors"))).isFalse();
            try (HfCheckpoint files = HfCheckpoint.open(out)) {
                assertThat(files.info("model.layers.0.self_attn.q_proj.bias").dtype()).isEqualTo(SafetensorsDtype.BF16);
            }
            try (DecoderModel loaded = DecoderCheckpoints.load(out, Device.cpu())) {
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    float[] want = e.getValue().toFloatArray();
                    float[] got = loaded.parameters().get(e.getKey()).toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertThat((double) Math.abs(got[i] - want[i]))
                                .isLessThanOrEqualTo(Math.abs(want[i]) / 256.0); // BF16 keeps 8 significant bits
                    }
                }
            }
        }
    }

    @Test
    void aMissingQwen2BiasIsNamedWithTheFamilyOptions() {
        FamilyCase c = FamilyCase.all().stream().filter(f -> f.name().equals("qwen2 tied")).findFirst().orElseThrow();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new java.util.LinkedHashMap<>();
            c.config().parameterShapes().forEach((name, shape) -> tensors.put(name, manager.zeros(shape)));
            tensors.remove("model.layers.1.self_attn.q_proj.bias");
            assertThatThrownBy(() -> DecoderModel.fromTensors(c.config(), tensors, Device.cpu()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model_type=qwen2")
                    .hasMessageContaining("q/k/v bias=true")
                    .hasMessageContaining("missing 1: model.layers.1.self_attn.q_proj.bias");
            tensors.put("model.layers.1.self_attn.q_proj.bias", manager.zeros(new ai.djl.ndarray.types.Shape(5)));
            assertThatThrownBy(() -> DecoderModel.fromTensors(c.config(), tensors, Device.cpu()))
                    .hasMessageContaining("Tensor model.layers.1.self_attn.q_proj.bias has shape (5), expected (32)");
        }
    }

    @Test
    void aPickleCheckpointIsRefusedWithTheConversionHint() throws IOException {
        Path out = dir.resolve("pickle");
        Files.createDirectories(out);
        Files.writeString(out.resolve("config.json"), ModelFamilyConfigTest.QWEN25);
        Files.write(out.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertThatThrownBy(() -> DecoderCheckpoints.load(out, Device.cpu())).isInstanceOf(AlloException.class)
                .hasMessageContaining("pickle checkpoints are not supported: found pytorch_model.bin")
                .hasMessageContaining("safe_serialization=True");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generationWithTheCacheEqualsGenerationWithout(FamilyCase c) {
        if (c.config().ropeScaling().dependsOnLength()) {
            return; // dynamic NTK differs by design once past max_position_embeddings (ModelFamilyForwardTest)
        }
        try (NDManager manager = NDManager.newBaseManager(); DecoderModel model = c.model(c.parameters(8), manager)) {
            TokenGenerator generator = new TokenGenerator(model);
            // Prompts of 2 and 5 tokens (left padding), 8 new tokens: past every test window (2 and 3).
            List<int[]> prompts = List.of(new int[] {4, 9}, new int[] {1, 17, 3, 12, 6});
            GenerationConfig greedy = GenerationConfig.greedy(8);
            List<int[]> cached = generator.generate(prompts, greedy);
            List<int[]> uncached = generator.generate(prompts, greedy.withUseCache(false));
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(cached.get(i)).hasSize(8).containsExactly(uncached.get(i));
            }
            GenerationConfig sampled = GenerationConfig.sampling(8, 1.0, 1.0, 5);
            List<int[]> a = generator.generate(prompts, sampled);
            List<int[]> b = generator.generate(prompts, sampled.withUseCache(false));
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(a.get(i)).containsExactly(b.get(i));
            }
        }
    }

    private static DecoderConfig withDtype(DecoderConfig c, String dtype) {
        Map<String, JsonNode> extras = new java.util.LinkedHashMap<>(c.extraFields());
        extras.put("torch_dtype", com.fasterxml.jackson.databind.node.TextNode.valueOf(dtype));
        return c.toBuilder().extraFields(extras).build();
    }

    private static void assertBitIdentical(Map<String, NDArray> expected, Map<String, NDArray> actual) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<String, NDArray> e : expected.entrySet()) {
            float[] want = e.getValue().toFloatArray();
            float[] got = actual.get(e.getKey()).toFloatArray();
            assertThat(got.length).isEqualTo(want.length);
            for (int i = 0; i < want.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d]", e.getKey(), i)
                        .isEqualTo(Float.floatToRawIntBits(want[i]));
            }
        }
    }
}
