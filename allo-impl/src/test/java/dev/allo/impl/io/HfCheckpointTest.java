package dev.allo.impl.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.fixtures.io.HalfFloatReference;
import dev.allo.fixtures.io.RandomTensors;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single-file and sharded Hugging Face checkpoint directories: writing, reading, and their equivalence. */
class HfCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** A tiny LLaMA-like parameter set, in the order of the model's parameters. */
    private Map<String, NDArray> parameters() {
        Map<String, NDArray> p = new LinkedHashMap<>();
        manager.getEngine().setRandomSeed(7);
        p.put("model.embed_tokens.weight", manager.randomNormal(new Shape(32, 8)));
        for (int layer = 0; layer < 2; layer++) {
            String prefix = "model.layers." + layer + ".";
            p.put(prefix + "input_layernorm.weight", manager.ones(new Shape(8)));
            p.put(prefix + "self_attn.q_proj.weight", manager.randomNormal(new Shape(8, 8)));
            p.put(prefix + "self_attn.k_proj.weight", manager.randomNormal(new Shape(4, 8)));
            p.put(prefix + "mlp.down_proj.weight", manager.randomNormal(new Shape(8, 16)));
        }
        p.put("model.norm.weight", manager.ones(new Shape(8)));
        p.put("lm_head.weight", manager.randomNormal(new Shape(32, 8)));
        return p;
    }

    private static ObjectNode config() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("hidden_size", 8);
        c.put("torch_dtype", "bfloat16");
        return c;
    }

    @Test
    void singleFileAndShardedCheckpointsHoldTheSameTensors() throws Exception {
        Map<String, NDArray> params = parameters();
        Path single = dir.resolve("single");
        Path sharded = dir.resolve("sharded");
        new HfCheckpointWriter().floatDtype(SafetensorsDtype.BF16).config(config()).write(single, params);
        new HfCheckpointWriter().floatDtype(SafetensorsDtype.BF16).config(config()).maxShardBytes(300)
                .write(sharded, params);

        assertThat(listing(single)).containsExactly("config.json", "model.safetensors");
        List<String> shardedFiles = listing(sharded);
        assertThat(shardedFiles).contains("config.json", "model.safetensors.index.json")
                .doesNotContain("model.safetensors");
        List<String> shards = shardedFiles.stream().filter(n -> n.startsWith("model-")).toList();
        assertThat(shards.size()).isGreaterThan(2);
        for (int i = 0; i < shards.size(); i++) {
            assertThat(shards.get(i)).isEqualTo(String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size()));
        }

        try (HfCheckpoint a = HfCheckpoint.open(single); HfCheckpoint b = HfCheckpoint.open(sharded)) {
            assertThat(a.isSharded()).isFalse();
            assertThat(b.isSharded()).isTrue();
            assertThat(b.files()).hasSize(shards.size());
            assertThat(a.names()).containsExactlyInAnyOrderElementsOf(params.keySet());
            assertThat(b.names()).containsExactlyInAnyOrderElementsOf(params.keySet());
            Map<String, NDArray> fromA = a.readAll(manager);
            Map<String, NDArray> fromB = b.readAll(manager);
            for (String name : params.keySet()) {
                assertThat(b.info(name).dtype()).isEqualTo(SafetensorsDtype.BF16);
                assertThat(b.info(name).shape()).isEqualTo(params.get(name).getShape());
                assertThat(fromB.get(name).toFloatArray()).as(name).containsExactly(fromA.get(name).toFloatArray());
                // The stored value is the reference's nearest BF16 to the original float32.
                float[] original = params.get(name).toFloatArray();
                float[] stored = fromA.get(name).toFloatArray();
                for (int i = 0; i < original.length; i++) {
                    int code = HalfFloatReference.BF16.fromFloat(original[i]);
                    assertThat(Float.floatToRawIntBits(stored[i])).isEqualTo(HalfFloatReference.BF16.toFloatBits(code));
                }
            }
            assertThat(a.readConfig()).isEqualTo(config());
            assertThat(b.readConfig()).isEqualTo(config());
        }
    }

    @Test
    void theIndexMapsEveryTensorToItsShardAndCountsTheDataBytes() throws Exception {
        Map<String, NDArray> params = parameters();
        Path out = dir.resolve("ckpt");
        new HfCheckpointWriter().maxShardBytes(1100).write(out, params);
        JsonNode index = JSON.readTree(out.resolve(HfCheckpoint.INDEX_FILE).toFile());
        long total = params.values().stream().mapToLong(a -> a.size() * 4).sum();
        assertThat(index.get("metadata").get("total_size").longValue()).isEqualTo(total);
        List<String> mapped = new ArrayList<>();
        index.get("weight_map").fieldNames().forEachRemaining(mapped::add);
        assertThat(mapped).isSorted().containsExactlyInAnyOrderElementsOf(params.keySet());

        // Shards follow the parameter order; a new shard starts when the next tensor would pass the limit.
        List<List<String>> expected = new ArrayList<>();
        long current = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            long bytes = e.getValue().size() * 4;
            if (expected.isEmpty() || (current > 0 && current + bytes > 1100)) {
                expected.add(new ArrayList<>());
                current = 0;
            }
            expected.get(expected.size() - 1).add(e.getKey());
            current += bytes;
        }
        for (int i = 0; i < expected.size(); i++) {
            String shard = String.format("model-%05d-of-%05d.safetensors", i + 1, expected.size());
            assertThat(SpecSafetensors.read(out.resolve(shard)).tensors().keySet())
                    .containsExactlyInAnyOrderElementsOf(expected.get(i));
            for (String name : expected.get(i)) {
                assertThat(index.get("weight_map").get(name).textValue()).isEqualTo(shard);
            }
        }
    }

    @Test
    void loadingAndSavingAShardedBf16CheckpointGivesTheSameBytes() throws Exception {
        // Built by the independent codec: two BF16 shards and an index, as transformers would write them.
        Path source = dir.resolve("source");
        Files.createDirectories(source);
        Map<String, RawTensor> all = new LinkedHashMap<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int shard = 1; shard <= 2; shard++) {
            Map<String, RawTensor> tensors = new LinkedHashMap<>();
            String prefix = "s" + shard + ".";
            RandomTensors.tensorSet(100 + shard, List.of("BF16"), 4)
                    .forEach((name, t) -> tensors.put(prefix + name, t));
            String file = "model-0000" + shard + "-of-00002.safetensors";
            SpecSafetensors.write(source.resolve(file), tensors, Map.of("format", "pt"));
            tensors.keySet().forEach(n -> weightMap.put(n, file));
            all.putAll(tensors);
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        Files.writeString(source.resolve(HfCheckpoint.INDEX_FILE), index.toString());

        Path copy = dir.resolve("copy");
        try (HfCheckpoint ckpt = HfCheckpoint.open(source)) {
            Map<String, NDArray> arrays = ckpt.readAll(manager);
            new HfCheckpointWriter().floatDtype(SafetensorsDtype.BF16).write(copy, arrays);
        }
        Map<String, RawTensor> written = SpecSafetensors.read(copy.resolve(HfCheckpoint.SINGLE_FILE)).tensors();
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(all.keySet());
        all.forEach((name, t) -> {
            int[] expected = SpecSafetensors.shorts(t.data());
            for (int i = 0; i < expected.length; i++) {
                if ((expected[i] & 0x7F80) == 0x7F80 && (expected[i] & 0x7F) != 0) {
                    expected[i] |= 0x0040; // a signalling NaN comes back quiet
                }
            }
            assertThat(SpecSafetensors.shorts(written.get(name).data())).as(name).containsExactly(expected);
        });
    }

    @Test
    void writesWithPerTensorDtypesAndExtraFiles() throws Exception {
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("a", manager.create(new float[] {1.5f, -2f}));
        params.put("b", manager.create(new float[] {0.1f}));
        params.put("ids", manager.create(new long[] {9}));
        Path out = dir.resolve("mixed");
        new HfCheckpointWriter().floatDtype(SafetensorsDtype.F16)
                .file("generation_config.json", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .write(out, params, Map.of("b", SafetensorsDtype.F32));
        try (HfCheckpoint ckpt = HfCheckpoint.open(out)) {
            assertThat(ckpt.info("a").dtype()).isEqualTo(SafetensorsDtype.F16);
            assertThat(ckpt.info("b").dtype()).isEqualTo(SafetensorsDtype.F32);
            assertThat(ckpt.info("ids").dtype()).isEqualTo(SafetensorsDtype.I64);
            assertThat(ckpt.read("b", manager).toFloatArray()).containsExactly(0.1f);
        }
        assertThat(out.resolve("generation_config.json")).hasContent("{}");
        try (HfCheckpoint file = HfCheckpoint.open(out.resolve(HfCheckpoint.SINGLE_FILE))) {
            assertThat(file.directory()).isEqualTo(out.toAbsolutePath());
            assertThat(file.names()).containsExactlyInAnyOrder("a", "b", "ids");
        }
    }

    @Test
    void replacesAnExistingDirectoryOnlyWhenAskedAndLeavesNoTemporaries() throws Exception {
        Map<String, NDArray> params = parameters();
        Path out = dir.resolve("out");
        new HfCheckpointWriter().maxShardBytes(300).write(out, params);
        assertThatThrownBy(() -> new HfCheckpointWriter().write(out, params))
                .isInstanceOf(AlloException.class)
                .hasMessageContaining(out.toString()).hasMessageContaining("already exists; call overwrite(true)");

        new HfCheckpointWriter().overwrite(true).config(config()).write(out, params);
        assertThat(listing(out)).containsExactly("config.json", "model.safetensors");
        assertThat(listing(dir)).containsExactly("out");

        Path file = dir.resolve("afile");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> new HfCheckpointWriter().overwrite(true).write(file, params))
                .isInstanceOf(AlloException.class).hasMessageContaining("a file of that name exists");
    }

    @Test
    void refusesBadWriterArguments() {
        HfCheckpointWriter w = new HfCheckpointWriter();
        assertThatThrownBy(() -> w.maxShardBytes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxShardBytes must be positive, got 0");
        assertThatThrownBy(() -> w.file("../evil", new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plain file name");
        assertThatThrownBy(() -> w.file("model.safetensors", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved for the weights");
        assertThatThrownBy(() -> w.config(JSON.createArrayNode())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config must be a JSON object");
        assertThatThrownBy(() -> w.write(dir.resolve("x"), Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensors must not be empty");
        Map<String, NDArray> one = Map.of("a", manager.create(new float[] {1f}));
        assertThatThrownBy(() -> w.write(dir.resolve("x"), one, Map.of("b", SafetensorsDtype.F32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'b', which is not among tensors");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    private static List<String> listing(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
