package dev.allo.impl.io;

import static dev.allo.fixtures.io.SpecSafetensors.leInts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.allo.AlloException;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken checkpoint directories fail with a message naming the file, the tensor, and what was found. */
class HfCheckpointBadInputTest {
    private static final String CONVERT = "save_pretrained(dst, safe_serialization=True)";

    @TempDir
    Path dir;

    private static AbstractThrowableAssert<?, ? extends Throwable> assertOpenFails(Path p) {
        return assertThatThrownBy(() -> HfCheckpoint.open(p).close()).isInstanceOf(AlloException.class);
    }

    private static RawTensor f32(int... bits) {
        return new RawTensor("F32", new long[] {bits.length}, leInts(bits));
    }

    private Path shardedCheckpoint(String weightMapJson) throws Exception {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        SpecSafetensors.write(ckpt.resolve("model-00001-of-00002.safetensors"),
                Map.of("a", f32(1, 2), "b", f32(3)), Map.of("format", "pt"));
        SpecSafetensors.write(ckpt.resolve("model-00002-of-00002.safetensors"),
                Map.of("c", f32(4)), Map.of("format", "pt"));
        Files.writeString(ckpt.resolve(HfCheckpoint.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 16}, \"weight_map\": " + weightMapJson + "}");
        return ckpt;
    }

    private static final String GOOD_MAP = "{\"a\": \"model-00001-of-00002.safetensors\","
            + " \"b\": \"model-00001-of-00002.safetensors\", \"c\": \"model-00002-of-00002.safetensors\"}";

    @Test
    void theWellFormedShardedCheckpointOpens() throws Exception {
        try (HfCheckpoint ckpt = HfCheckpoint.open(shardedCheckpoint(GOOD_MAP));
                NDManager manager = NDManager.newBaseManager()) {
            assertThat(ckpt.names()).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(ckpt.read("c", manager).toFloatArray()).containsExactly(Float.intBitsToFloat(4));
        }
    }

    @Test
    void missingDirectory() {
        Path p = dir.resolve("nowhere");
        assertOpenFails(p).hasMessageContaining("does not exist: " + p);
    }

    @Test
    void directoryWithoutWeights() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertOpenFails(dir).hasMessageContaining(dir.toString())
                .hasMessageContaining("neither model.safetensors nor model.safetensors.index.json")
                .hasMessageContaining("it holds config.json");
    }

    @Test
    void pickleCheckpointDirectory() throws Exception {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertOpenFails(dir).hasMessageContaining("pickle checkpoints are not supported")
                .hasMessageContaining("pytorch_model.bin").hasMessageContaining(CONVERT);
    }

    @Test
    void pickleCheckpointFile() throws Exception {
        Path p = Files.write(dir.resolve("model.pt"), new byte[] {1});
        assertOpenFails(p).hasMessageContaining("pickle checkpoints are not supported: " + p)
                .hasMessageContaining(CONVERT);
    }

    @Test
    void malformedSingleFileNamesTheFile() throws Exception {
        Path p = Files.write(dir.resolve(HfCheckpoint.SINGLE_FILE), new byte[] {1, 2});
        assertOpenFails(dir).hasMessageContaining(p.toString()).hasMessageContaining("fewer than the 8-byte");
    }

    @Test
    void malformedIndex() throws Exception {
        Path ckpt = shardedCheckpoint(GOOD_MAP);
        Path index = ckpt.resolve(HfCheckpoint.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\": {");
        assertOpenFails(ckpt).hasMessageContaining(index.toString()).hasMessageContaining("not valid JSON");
        Files.writeString(index, "{\"metadata\": {}}");
        assertOpenFails(ckpt).hasMessageContaining(index.toString()).hasMessageContaining("no weight_map");
        Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
        assertOpenFails(ckpt).hasMessageContaining("weight_map entry 'a' must name a shard file, found 3");
        Files.writeString(index, "{\"weight_map\": {}}");
        assertOpenFails(ckpt).hasMessageContaining("weight_map is empty");
    }

    @Test
    void indexNamingAMissingShard() throws Exception {
        Path ckpt = shardedCheckpoint("{\"a\": \"model-00001-of-00002.safetensors\","
                + " \"b\": \"model-00001-of-00002.safetensors\", \"c\": \"model-00003-of-00003.safetensors\"}");
        assertOpenFails(ckpt).hasMessageContaining(HfCheckpoint.INDEX_FILE)
                .hasMessageContaining("tensor 'c' to shard 'model-00003-of-00003.safetensors', which does not exist");
    }

    @Test
    void indexNamingATensorAbsentFromItsShard() throws Exception {
        Path ckpt = shardedCheckpoint(GOOD_MAP.replace("}", ", \"d\": \"model-00002-of-00002.safetensors\"}"));
        assertOpenFails(ckpt).hasMessageContaining(HfCheckpoint.INDEX_FILE)
                .hasMessageContaining("tensor 'd' to shard model-00002-of-00002.safetensors, but that shard does not"
                        + " hold it (it holds 1 tensors)");
    }

    @Test
    void shardHoldingATensorTheIndexDoesNotList() throws Exception {
        Path ckpt = shardedCheckpoint("{\"a\": \"model-00001-of-00002.safetensors\","
                + " \"c\": \"model-00002-of-00002.safetensors\"}");
        assertOpenFails(ckpt).hasMessageContaining("shard model-00001-of-00002.safetensors")
                .hasMessageContaining("holds tensor 'b'").hasMessageContaining("does not list it");
    }

    @Test
    void shardHoldingATensorTheIndexMapsElsewhere() throws Exception {
        Path ckpt = shardedCheckpoint("{\"a\": \"model-00001-of-00002.safetensors\","
                + " \"b\": \"model-00002-of-00002.safetensors\", \"c\": \"model-00002-of-00002.safetensors\"}");
        assertOpenFails(ckpt).hasMessageContaining("holds tensor 'b'")
                .hasMessageContaining("maps it to shard model-00002-of-00002.safetensors");
    }

    @Test
    void shardOutsideTheDirectoryOrPickled() throws Exception {
        Path ckpt = shardedCheckpoint("{\"a\": \"../elsewhere.safetensors\"}");
        assertOpenFails(ckpt).hasMessageContaining("'../elsewhere.safetensors', which lies outside");
        Files.writeString(ckpt.resolve(HfCheckpoint.INDEX_FILE), "{\"weight_map\": {\"a\": \"pytorch_model-1.bin\"}}");
        assertOpenFails(ckpt).hasMessageContaining("pickle").hasMessageContaining(CONVERT);
    }

    @Test
    void shardNameThatIsNoFileNameNamesTheIndex() throws Exception {
        Path ckpt = shardedCheckpoint("{\"a\": \"model\\u0000.safetensors\"}");
        assertOpenFails(ckpt).hasMessageContaining("index " + ckpt.toAbsolutePath().resolve(HfCheckpoint.INDEX_FILE)
                + " maps tensor 'a' to shard 'model\0.safetensors', which is not a valid file name");
    }

    @Test
    void missingOrMalformedConfig() throws Exception {
        SpecSafetensors.write(dir.resolve(HfCheckpoint.SINGLE_FILE), Map.of("a", f32(1)), Map.of());
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            assertThatThrownBy(ckpt::readConfig).isInstanceOf(AlloException.class)
                    .hasMessageContaining("has no config.json").hasMessageContaining(dir.toString());
            Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": ");
            assertThatThrownBy(ckpt::readConfig).isInstanceOf(AlloException.class)
                    .hasMessageContaining(dir.resolve("config.json") + " is not valid JSON");
            Files.writeString(dir.resolve("config.json"), "[]");
            assertThatThrownBy(ckpt::readConfig).isInstanceOf(AlloException.class)
                    .hasMessageContaining("must hold a JSON object, found ARRAY");
            assertThatThrownBy(() -> ckpt.info("b")).isInstanceOf(AlloException.class)
                    .hasMessageContaining("holds no tensor 'b'");
        }
    }
}
