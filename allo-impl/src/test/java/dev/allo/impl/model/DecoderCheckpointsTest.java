package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.Allo;
import dev.allo.AlloException;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.HfCheckpointWriter;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.model.CausalLm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecoderCheckpointsTest {
    @TempDir
    Path dir;

    private static DecoderConfig tiny(boolean tied) {
        return DecoderConfig.builder().hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(40).tieWordEmbeddings(tied).build();
    }

    @Test
    void f32SaveLoadIsBitIdenticalAndGivesTheSameLogits() {
        try (DecoderModel model = DecoderModel.random(tiny(false), Device.cpu(), 7);
                NDManager m = NDManager.newBaseManager()) {
            Allo.saveModel(model, dir.resolve("out"));
            try (CausalLm loaded = Allo.loadModel(dir.resolve("out"), Device.cpu())) {
                assertSameParameters(model, loaded);
                NDArray ids = m.create(new long[] {1, 5, 9, 3, 2, 11}, new Shape(2, 3));
                NDArray mask = m.ones(new Shape(2, 3));
                assertThat(loaded.forward(ids, mask).toFloatArray())
                        .containsExactly(model.forward(ids, mask).toFloatArray());
            }
        }
    }

    @Test
    void bf16CheckpointLoadsWidenedAndLoadSaveLoadIsBitIdentical() {
        try (DecoderModel model = DecoderModel.random(tiny(true), Device.cpu(), 3)) {
            DecoderCheckpoints.save(model, dir.resolve("bf16"), SafetensorsDtype.BF16);
            try (HfCheckpoint c = HfCheckpoint.open(dir.resolve("bf16"))) {
                assertThat(c.info("model.embed_tokens.weight").dtype()).isEqualTo(SafetensorsDtype.BF16);
                assertThat(c.contains("lm_head.weight")).isFalse();
            }
            try (DecoderModel first = DecoderCheckpoints.load(dir.resolve("bf16"), Device.cpu())) {
                // Every loaded value is the BF16 rounding of the original: its low 16 bits are zero.
                for (NDArray p : first.parameters().values()) {
                    for (float f : p.toFloatArray()) {
                        assertThat(Float.floatToRawIntBits(f) & 0xFFFF).isZero();
                    }
                }
                DecoderCheckpoints.save(first, dir.resolve("again"));
                try (DecoderModel second = DecoderCheckpoints.load(dir.resolve("again"), Device.cpu())) {
                    assertSameParameters(first, second);
                }
            }
        }
    }

    @Test
    void shardedCheckpointLoadsTheSameAsSingleFile() {
        try (DecoderModel model = DecoderModel.random(tiny(false), Device.cpu(), 11)) {
            new HfCheckpointWriter().maxShardBytes(4_000)
                    .file(HfCheckpoint.CONFIG_FILE, model.config().toJson().getBytes(StandardCharsets.UTF_8))
                    .write(dir.resolve("sharded"), model.parameters());
            assertThat(Files.exists(dir.resolve("sharded").resolve(HfCheckpoint.INDEX_FILE))).isTrue();
            try (DecoderModel loaded = DecoderCheckpoints.load(dir.resolve("sharded"), Device.cpu())) {
                assertSameParameters(model, loaded);
            }
        }
    }

    @Test
    void tiedCheckpointWithARedundantLmHeadAndRotaryBuffersLoads() {
        try (DecoderModel model = DecoderModel.random(tiny(true), Device.cpu(), 5);
                NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(model.parameters());
            tensors.put("lm_head.weight", model.parameters().get("model.embed_tokens.weight"));
            tensors.put("model.layers.0.self_attn.rotary_emb.inv_freq", m.ones(new Shape(2)));
            writeWithConfig(model.config(), tensors, dir.resolve("old"));
            try (DecoderModel loaded = DecoderCheckpoints.load(dir.resolve("old"), Device.cpu())) {
                assertSameParameters(model, loaded);
            }
        }
    }

    @Test
    void missingTensorIsNamedWithTheDirectory() {
        try (DecoderModel model = DecoderModel.random(tiny(false), Device.cpu(), 5)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(model.parameters());
            tensors.remove("model.layers.1.mlp.down_proj.weight");
            writeWithConfig(model.config(), tensors, dir.resolve("missing"));
            assertThatThrownBy(() -> DecoderCheckpoints.load(dir.resolve("missing"), Device.cpu()))
                    .isInstanceOf(AlloException.class)
                    .hasMessageContaining(dir.resolve("missing").toString())
                    .hasMessageContaining("model.layers.1.mlp.down_proj.weight");
        }
    }

    @Test
    void shapeThatDoesNotMatchTheConfigIsNamedWithExpectedAndActual() {
        try (DecoderModel model = DecoderModel.random(tiny(false), Device.cpu(), 5)) {
            DecoderConfig wider = model.config().toBuilder().intermediateSize(32).build();
            writeWithConfig(wider, model.parameters(), dir.resolve("shape"));
            assertThatThrownBy(() -> DecoderCheckpoints.load(dir.resolve("shape"), Device.cpu()))
                    .isInstanceOf(AlloException.class)
                    .hasMessageContaining("model.layers.0.mlp.gate_proj.weight")
                    .hasMessageContaining("(24, 16)")
                    .hasMessageContaining("(32, 16)");
        }
    }

    @Test
    void missingConfigIsNamed() throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> DecoderCheckpoints.load(dir.resolve("empty"), Device.cpu()))
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("config.json");
    }

    private static void writeWithConfig(DecoderConfig config, Map<String, NDArray> tensors, Path target) {
        new HfCheckpointWriter()
                .file(HfCheckpoint.CONFIG_FILE, config.toJson().getBytes(StandardCharsets.UTF_8))
                .write(target, tensors);
    }

    private static void assertSameParameters(CausalLm expected, CausalLm actual) {
        assertThat(actual.parameters().keySet()).containsExactlyElementsOf(expected.parameters().keySet());
        for (Map.Entry<String, NDArray> e : expected.parameters().entrySet()) {
            NDArray a = actual.parameters().get(e.getKey());
            assertThat(a.getShape()).as(e.getKey()).isEqualTo(e.getValue().getShape());
            float[] want = e.getValue().toFloatArray();
            float[] got = a.toFloatArray();
            for (int i = 0; i < want.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d]", e.getKey(), i)
                        .isEqualTo(Float.floatToRawIntBits(want[i]));
            }
        }
    }
}
