package dev.allo.impl.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.data.TokenizedPair;
import dev.allo.fixtures.ila.ReferenceLora;
import dev.allo.impl.io.SafetensorsFile;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.train.LoopConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA initialisation, names, dropout, PEFT save/load and training through the stage loop. */
class LoraModelTest {
    private static final DecoderConfig CONFIG = DecoderConfig.builder().hiddenSize(16).intermediateSize(24)
            .numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(ByteTokenizer.VOCAB_SIZE)
            .initializerRange(0.05).build();

    @TempDir
    Path tmp;

    private static NDArray ids(NDManager m) {
        return m.create(new long[] {1, 5, 9, 2, 7, 3, 3, 1}, new Shape(2, 4));
    }

    @Test
    void freshAdaptersFollowPeftInitAndNamesAndGiveTheBaseLogitsExactly() {
        try (DecoderModel base = DecoderModel.random(CONFIG, Device.cpu(), 3);
                LoraModel lora = LoraModel.create(base, LoraConfig.of(4, 8, List.of("q_proj", "v_proj")), 11);
                NDManager m = NDManager.newBaseManager()) {
            assertThat(lora.parameters().keySet()).containsExactly(
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                    "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
                    "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
                    "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
                    "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight",
                    "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
            double bound = ReferenceLora.kaimingUniformBound(16);
            NDArray a = lora.parameters().get("base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight");
            assertThat(a.getShape()).isEqualTo(new Shape(4, 16));
            float[] av = a.toFloatArray();
            double maxAbs = 0;
            for (float v : av) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertThat(maxAbs).isLessThanOrEqualTo(bound).isGreaterThan(bound / 2);
            NDArray b = lora.parameters().get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight");
            assertThat(b.getShape()).isEqualTo(new Shape(8, 4)); // v_proj out = n_kv * d = 8
            assertThat(b.toFloatArray()).containsOnly(0f);
            NDArray mask = m.ones(new Shape(2, 4));
            assertThat(lora.forward(ids(m), mask).toFloatArray()).isEqualTo(base.forward(ids(m), mask).toFloatArray());
        }
    }

    @Test
    void dropoutActsOnlyWhileTrainable() {
        try (DecoderModel base = DecoderModel.random(CONFIG, Device.cpu(), 3);
                LoraModel lora = LoraModel.create(base,
                        LoraConfig.of(2, 4, List.of(LoraConfig.ALL_LINEAR)).withDropout(0.5), 5);
                NDManager m = NDManager.newBaseManager()) {
            lora.parameters().values().forEach(p -> p.addi(0.1f)); // B != 0, so dropout matters
            NDArray mask = m.ones(new Shape(2, 4));
            float[] eval1 = lora.forward(ids(m), mask).toFloatArray();
            float[] eval2 = lora.forward(ids(m), mask).toFloatArray();
            assertThat(eval1).isEqualTo(eval2);
            float[] merged;
            try (DecoderModel mm = lora.merge()) {
                merged = mm.forward(ids(m), mask).toFloatArray();
            }
            for (int i = 0; i < merged.length; i++) {
                assertThat(merged[i]).isCloseTo(eval1[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
            lora.setTrainable(true);
            float[] train = lora.forward(ids(m), mask).toFloatArray();
            lora.setTrainable(false);
            assertThat(train).isNotEqualTo(eval1);
        }
    }

    @Test
    void saveLoadRoundTripIsBitIdenticalInPeftLayout() throws Exception {
        LoraConfig config = new LoraConfig(3, 6, 0.05, List.of("q_proj", "down_proj"), "tiny-llama");
        Path dir = tmp.resolve("adapter");
        try (DecoderModel base = DecoderModel.random(CONFIG, Device.cpu(), 3);
                LoraModel lora = LoraModel.create(base, config, 12)) {
            lora.parameters().values().forEach(p -> p.addi(p.getManager().randomNormal(p.getShape())));
            LoraCheckpoints.save(lora, dir, false);
            JsonNode json = new ObjectMapper().readTree(Files.readString(dir.resolve("adapter_config.json"),
                    StandardCharsets.UTF_8));
            assertThat(json.get("peft_type").asText()).isEqualTo("LORA");
            assertThat(json.get("task_type").asText()).isEqualTo("CAUSAL_LM");
            assertThat(json.get("r").asInt()).isEqualTo(3);
            assertThat(json.get("lora_alpha").asDouble()).isEqualTo(6.0);
            assertThat(json.get("lora_dropout").asDouble()).isEqualTo(0.05);
            assertThat(json.get("base_model_name_or_path").asText()).isEqualTo("tiny-llama");
            assertThat(json.get("target_modules").toString()).isEqualTo("[\"q_proj\",\"down_proj\"]");
            try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
                assertThat(file.names()).containsExactlyInAnyOrderElementsOf(lora.parameters().keySet());
            }
            assertThat(LoraCheckpoints.readConfig(dir)).isEqualTo(config);
            try (LoraModel loaded = LoraCheckpoints.load(base, dir, 1)) {
                assertThat(loaded.loraConfig()).isEqualTo(config);
                assertThat(loaded.parameters().keySet()).containsExactlyElementsOf(lora.parameters().keySet());
                lora.parameters().forEach((name, p) ->
                        assertThat(loaded.parameters().get(name).toFloatArray()).as(name).isEqualTo(p.toFloatArray()));
            }
            assertThatThrownBy(() -> LoraCheckpoints.save(lora, dir, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
            LoraCheckpoints.save(lora, dir, true);
            try (var listing = Files.list(tmp)) {
                assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("adapter");
            }
        }
    }

    @Test
    void longFieldNamesAreReadAndTrailingContentIsRefused() throws Exception {
        Path dir = tmp.resolve("limits");
        Files.createDirectories(dir);
        String valid = "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"q_proj\"]";
        // Jackson's default would refuse a name over 50,000 characters.
        Files.writeString(dir.resolve("adapter_config.json"), valid + ", \"" + "n".repeat(60_000) + "\": 1}");
        assertThat(LoraCheckpoints.readConfig(dir).rank()).isEqualTo(4);
        Files.writeString(dir.resolve("adapter_config.json"), valid + "} {}");
        assertThatThrownBy(() -> LoraCheckpoints.readConfig(dir)).isInstanceOf(AlloException.class)
                .hasMessageContaining("adapter_config.json is not valid JSON").hasMessageContaining("Trailing token")
                .hasMessageContaining("at line 1");
        Files.writeString(dir.resolve("adapter_config.json"), "[".repeat(2_000) + "]".repeat(2_000));
        assertThatThrownBy(() -> LoraCheckpoints.readConfig(dir)).isInstanceOf(AlloException.class)
                .hasMessageContaining("adapter_config.json is not valid JSON").hasMessageContaining("nesting depth");
    }

    @Test
    void unsupportedPeftFeaturesAndBadConfigsAreRefusedByName() throws Exception {
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8,"
                + " \"target_modules\": [\"q_proj\"], \"use_dora\": true}");
        assertThatThrownBy(() -> LoraCheckpoints.readConfig(dir)).isInstanceOf(AlloException.class)
                .hasMessageContaining("use_dora").hasMessageContaining("adapter_config.json");
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 0, \"lora_alpha\": 8,"
                + " \"target_modules\": [\"q_proj\"]}");
        assertThatThrownBy(() -> LoraCheckpoints.readConfig(dir)).isInstanceOf(AlloException.class)
                .hasMessageContaining("r must be >= 1, got 0");
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"IA3\", \"r\": 4}");
        assertThatThrownBy(() -> LoraCheckpoints.readConfig(dir)).hasMessageContaining("'peft_type' must be \"LORA\"");
        assertThatThrownBy(() -> LoraConfig.of(2, 4, List.of("lm_head")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'lm_head'");
        assertThatThrownBy(() -> LoraConfig.of(2, 4, List.of("q_proj")).withDropout(1.0))
                .hasMessageContaining("lora_dropout must be in [0, 1), got 1.0");
    }

    @Test
    void stageTrainerStepsChangeOnlyTheAdapters() {
        List<TokenizedPair> pairs = LoraTestSupport.pairs(6);
        for (ObjectiveConfig objective : List.of(new ObjectiveConfig.Sft(), ObjectiveConfig.Dpo.defaults())) {
            try (DecoderModel base = DecoderModel.random(CONFIG, Device.cpu(), 4);
                    LoraModel lora = LoraModel.create(base,
                            LoraConfig.of(2, 4, List.of(LoraConfig.ALL_LINEAR)).withDropout(0.1), 6)) {
                Map<String, float[]> baseBefore = new LinkedHashMap<>();
                base.parameters().forEach((k, v) -> baseBefore.put(k, v.toFloatArray()));
                Map<String, float[]> adaptersBefore = new LinkedHashMap<>();
                lora.parameters().forEach((k, v) -> adaptersBefore.put(k, v.toFloatArray()));
                AdamWConfig adam = AdamWConfig.builder().learningRate(1e-2).weightDecay(0).build();
                try (SparseAdamW opt = new SparseAdamW(adam, NeuronMask.all(NeuronMask.shapesOf(lora.parameters())),
                        lora.parameters())) {
                    StageTrainer.builder().name("lora-" + objective.name()).policy(lora)
                            .objective(PreferenceObjective.of(objective)).optimizer(opt).pairs(pairs)
                            .config(LoopConfig.of(3, 3, 1)).padId(ByteTokenizer.PAD).build().run();
                }
                base.parameters().forEach((k, v) ->
                        assertThat(v.toFloatArray()).as("%s base %s", objective.name(), k).isEqualTo(baseBefore.get(k)));
                lora.parameters().forEach((k, v) -> {
                    if (k.contains("lora_B")) {
                        assertThat(v.toFloatArray()).as("%s adapter %s moved", objective.name(), k)
                                .isNotEqualTo(adaptersBefore.get(k));
                    }
                });
            }
        }
    }
}
