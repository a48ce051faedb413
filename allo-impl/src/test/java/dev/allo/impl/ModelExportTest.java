package dev.allo.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.Allo;
import dev.allo.AlloException;
import dev.allo.fixtures.io.HalfFloatReference;
import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.lora.LoraCheckpoints;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.tokenizer.HuggingFaceJsonTokenizer;
import dev.allo.model.SaveOptions;
import dev.allo.model.SaveOptions.WeightDtype;
import dev.allo.tokenizer.ByteTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Allo#saveModel(dev.allo.model.CausalLm, dev.allo.tokenizer.Tokenizer, Path, SaveOptions)}: the directory
 * holds exactly the files {@code save_pretrained} writes for a model and its tokenizer, the weights come back exact
 * (F32) or rounded to nearest even (BF16), and the tokenizer loads back from the directory.
 */
class ModelExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MODEL_FILES = Set.of("config.json", "generation_config.json",
            "model.safetensors");
    private static final Set<String> TOKENIZER_FILES = Set.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json");
    private static final List<String> TEXTS = List.of("the theory in the north", "Über 3 Äpfel!", "a\nb\tc  d",
            "");

    @TempDir
    Path dir;

    static DecoderConfig config(String family) {
        DecoderConfig.Builder b = DecoderConfig.builder().modelType(family).hiddenSize(16).intermediateSize(24)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TinyTokenizerJson.vocabSize())
                .bosTokenId(TinyTokenizerJson.bosId()).eosTokenIds(List.of(TinyTokenizerJson.eosId()));
        return family.equals("qwen2") ? b.tieWordEmbeddings(true).build() : b.build();
    }

    static Stream<Arguments> familiesAndTypes() {
        return Stream.of(Arguments.of("llama", WeightDtype.F32), Arguments.of("llama", WeightDtype.BF16),
                Arguments.of("qwen2", WeightDtype.F32), Arguments.of("qwen2", WeightDtype.BF16));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("familiesAndTypes")
    void theDirectoryHoldsWhatSavePretrainedWritesAndLoadsBack(String family, WeightDtype dtype) throws IOException {
        Path tokenizerDir = Files.createDirectories(dir.resolve("tok"));
        TinyTokenizerJson.write(tokenizerDir);
        Path out = dir.resolve("out");
        try (HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(tokenizerDir);
                DecoderModel model = DecoderModel.random(config(family), Device.cpu(), 7)) {
            Allo.saveModel(model, tokenizer, out, SaveOptions.defaults().withDtype(dtype));

            assertThat(listing(out)).isEqualTo(union(MODEL_FILES, TOKENIZER_FILES));
            SafetensorsDtype stored = dtype == WeightDtype.BF16 ? SafetensorsDtype.BF16 : SafetensorsDtype.F32;
            JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
            assertThat(config.get("model_type").asText()).isEqualTo(family);
            assertThat(config.get("torch_dtype").asText()).isEqualTo(stored == SafetensorsDtype.BF16 ? "bfloat16"
                    : "float32");
            try (HfCheckpoint files = HfCheckpoint.open(out)) {
                for (String name : files.names()) {
                    assertThat(files.info(name).dtype()).as(name).isEqualTo(stored);
                }
            }
            try (DecoderModel loaded = DecoderCheckpoints.load(out, Device.cpu())) {
                assertThat(loaded.config().family()).isEqualTo(model.config().family());
                assertThat(DecoderCheckpoints.storedDtype(loaded.config())).isEqualTo(stored);
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    float[] want = e.getValue().toFloatArray();
                    float[] got = loaded.parameters().get(e.getKey()).toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        float expected = stored == SafetensorsDtype.BF16 ? bf16(want[i]) : want[i];
                        assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d]", e.getKey(), i)
                                .isEqualTo(Float.floatToRawIntBits(expected));
                    }
                }
            }
            assertThat(Files.readAllBytes(out.resolve("tokenizer.json")))
                    .isEqualTo(Files.readAllBytes(tokenizerDir.resolve("tokenizer.json")));
            JsonNode tokenizerConfig = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
            assertThat(tokenizerConfig.get("tokenizer_class").asText()).isEqualTo("PreTrainedTokenizerFast");
            JsonNode special = JSON.readTree(out.resolve("special_tokens_map.json").toFile());
            assertThat(special.get("bos_token").asText()).isEqualTo("<s>");
            assertThat(special.get("eos_token").asText()).isEqualTo("</s>");
            assertThat(special.get("pad_token").asText()).isEqualTo("<pad>");
            assertThat(tokenizerConfig.get("bos_token")).isEqualTo(special.get("bos_token"));
            try (HuggingFaceJsonTokenizer reloaded = HuggingFaceJsonTokenizer.load(out)) {
                assertThat(reloaded.identity()).isEqualTo(tokenizer.identity());
                assertThat(reloaded.bosId()).isEqualTo(tokenizer.bosId());
                assertThat(reloaded.eosId()).isEqualTo(tokenizer.eosId());
                assertThat(reloaded.padId()).isEqualTo(tokenizer.padId());
                for (String text : TEXTS) {
                    assertThat(reloaded.encode(text)).as(text).containsExactly(tokenizer.encode(text));
                }
            }
        }
    }

    @Test
    void filesBesideTheTokenizerAreCopiedAsTheyAre() throws IOException {
        Path tokenizerDir = Files.createDirectories(dir.resolve("tok"));
        TinyTokenizerJson.write(tokenizerDir);
        TinyTokenizerJson.writeConfig(tokenizerDir, "<s>", "</s>", "<pad>");
        Files.writeString(tokenizerDir.resolve("special_tokens_map.json"), "{\"eos_token\": \"</s>\"}\n");
        Files.writeString(tokenizerDir.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }}"
                + "{% endfor %}");
        Files.writeString(tokenizerDir.resolve("vocab.txt"), "not a file save_pretrained writes for this tokenizer");
        Path out = dir.resolve("out");
        try (HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(tokenizerDir.resolve("tokenizer.json"));
                DecoderModel model = DecoderModel.random(config("llama"), Device.cpu(), 1)) {
            Allo.saveModel(model, tokenizer, out, SaveOptions.defaults());
        }
        assertThat(listing(out)).isEqualTo(union(union(MODEL_FILES, TOKENIZER_FILES), Set.of("chat_template.jinja")));
        for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "chat_template.jinja")) {
            assertThat(Files.readAllBytes(out.resolve(name))).as(name)
                    .isEqualTo(Files.readAllBytes(tokenizerDir.resolve(name)));
        }
    }

    @Test
    void shardsAboveTheLimitCarryAnIndexBesideTheTokenizer() throws IOException {
        Path tokenizerDir = Files.createDirectories(dir.resolve("tok"));
        TinyTokenizerJson.write(tokenizerDir);
        Path out = dir.resolve("out");
        try (HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(tokenizerDir);
                DecoderModel model = DecoderModel.random(config("qwen2"), Device.cpu(), 2)) {
            // The embedding alone is 267 x 16 x 2 bytes = 8,544 in BF16: at most 4,000 bytes per shard splits it off.
            Allo.saveModel(model, tokenizer, out, new SaveOptions(WeightDtype.BF16, 4_000));
            Set<String> files = listing(out);
            assertThat(files).doesNotContain("model.safetensors").contains("model.safetensors.index.json")
                    .containsAll(TOKENIZER_FILES).contains("config.json", "generation_config.json");
            List<String> shards = files.stream().filter(f -> f.endsWith(".safetensors")).toList();
            assertThat(shards.size()).isGreaterThan(1);
            assertThat(files).hasSize(shards.size() + 6);
            try (DecoderModel loaded = DecoderCheckpoints.load(out, Device.cpu())) {
                assertThat(DecoderCheckpoints.storedDtype(loaded.config())).isEqualTo(SafetensorsDtype.BF16);
            }
        }
    }

    @Test
    void theByteTokenizerAddsNoFiles() throws IOException {
        Path out = dir.resolve("out");
        try (DecoderModel model = DecoderModel.random(config("llama").toBuilder().vocabSize(ByteTokenizer.VOCAB_SIZE)
                .bosTokenId(ByteTokenizer.BOS).eosTokenIds(List.of(ByteTokenizer.EOS)).build(), Device.cpu(), 3)) {
            Allo.saveModel(model, ByteTokenizer.create(), out, SaveOptions.defaults());
        }
        assertThat(listing(out)).isEqualTo(MODEL_FILES);
    }

    @Test
    void loraAdaptersGetTheTokenizerFilesBesideThem() throws IOException {
        Path tokenizerDir = Files.createDirectories(dir.resolve("tok"));
        TinyTokenizerJson.write(tokenizerDir);
        Path out = dir.resolve("out");
        try (HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(tokenizerDir);
                DecoderModel base = DecoderModel.random(config("llama"), Device.cpu(), 6);
                LoraModel lora = LoraModel.create(base, LoraConfig.of(4, 8, List.of("q_proj", "v_proj")), 3)) {
            Allo.saveModel(lora, tokenizer, out, SaveOptions.defaults());
        }
        assertThat(listing(out)).isEqualTo(union(Set.of(LoraCheckpoints.CONFIG_FILE, LoraCheckpoints.WEIGHTS_FILE),
                TOKENIZER_FILES));
    }

    @Test
    void theDefaultStoresTheTypeTheModelWasLoadedFrom() throws IOException {
        Path tokenizerDir = Files.createDirectories(dir.resolve("tok"));
        TinyTokenizerJson.write(tokenizerDir);
        try (HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(tokenizerDir);
                DecoderModel model = DecoderModel.random(config("llama"), Device.cpu(), 4)) {
            Allo.saveModel(model, tokenizer, dir.resolve("fresh"), SaveOptions.defaults());
            assertThat(storedTypes(dir.resolve("fresh"))).containsOnly(SafetensorsDtype.F32);
            for (SafetensorsDtype source : List.of(SafetensorsDtype.BF16, SafetensorsDtype.F32, SafetensorsDtype.F16)) {
                Path in = dir.resolve("in-" + source);
                DecoderCheckpoints.save(model, in, source);
                Path out = dir.resolve("out-" + source);
                try (DecoderModel loaded = DecoderCheckpoints.load(in, Device.cpu()); DecoderModel copy = loaded.copy()) {
                    Allo.saveModel(copy, tokenizer, out, SaveOptions.defaults());
                }
                SafetensorsDtype expected = source == SafetensorsDtype.BF16 ? SafetensorsDtype.BF16
                        : SafetensorsDtype.F32;
                assertThat(storedTypes(out)).as("saved from %s", source).containsOnly(expected);
                assertThat(JSON.readTree(out.resolve("config.json").toFile()).get("torch_dtype").asText())
                        .isEqualTo(expected == SafetensorsDtype.BF16 ? "bfloat16" : "float32");
            }
        }
    }

    @Test
    void aTokenizerFileChangedAfterLoadingIsRefusedAndTheOldDirectoryKept() throws IOException {
        Path tokenizerDir = Files.createDirectories(dir.resolve("tok"));
        Path file = TinyTokenizerJson.write(tokenizerDir);
        Path out = dir.resolve("out");
        try (HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(tokenizerDir);
                DecoderModel model = DecoderModel.random(config("llama"), Device.cpu(), 5)) {
            Allo.saveModel(model, tokenizer, out, SaveOptions.defaults());
            Map<String, byte[]> before = contents(out);
            Files.writeString(file, Files.readString(file, StandardCharsets.UTF_8) + " ");
            assertThatThrownBy(() -> Allo.saveModel(model, tokenizer, out, SaveOptions.defaults().withDtype(
                    WeightDtype.BF16))).isInstanceOf(AlloException.class)
                    .hasMessageContaining("tokenizer file " + file)
                    .hasMessageContaining("changed after the tokenizer was loaded");
            Map<String, byte[]> after = contents(out);
            assertThat(after.keySet()).isEqualTo(before.keySet());
            before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
        }
    }

    @Test
    void saveOptionsRefuseANonPositiveShardSize() {
        assertThatThrownBy(() -> SaveOptions.defaults().withMaxShardBytes(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxShardBytes must be positive,"
                        + " got 0");
    }

    /** BF16 round-to-nearest-even of a float32, by the independent reference. */
    private static float bf16(float x) {
        HalfFloatReference.Format f = HalfFloatReference.BF16;
        return Float.intBitsToFloat(f.toFloatBits(f.fromFloat(x)));
    }

    private static Set<SafetensorsDtype> storedTypes(Path checkpoint) {
        try (HfCheckpoint files = HfCheckpoint.open(checkpoint)) {
            return files.names().stream().map(n -> files.info(n).dtype()).collect(Collectors.toSet());
        }
    }

    private static Set<String> listing(Path directory) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Map<String, byte[]> contents(Path directory) throws IOException {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        for (String name : listing(directory)) {
            try {
                out.put(name, Files.readAllBytes(directory.resolve(name)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }
}
