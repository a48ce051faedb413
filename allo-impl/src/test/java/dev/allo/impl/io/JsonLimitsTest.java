package dev.allo.impl.io;

import static dev.allo.fixtures.io.SpecSafetensors.leInts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.AlloException;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON beyond Jackson's stream read constraints (deep nesting, long numbers) fails with a message naming the file,
 * never a {@code NullPointerException} (such errors carry no location); and the limits are wide enough for every
 * header the safetensors format allows.
 */
class JsonLimitsTest {
    @TempDir
    Path dir;

    private static String deep(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private Path safetensors(String name, String header) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, SpecSafetensors.withHeader(header, new byte[0]));
        return p;
    }

    @Test
    void deeplyNestedSafetensorsHeaderFailsNamingTheFile() throws Exception {
        Path p = safetensors("deep.safetensors", "{\"a\": " + deep(1_001) + "}");
        assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("not valid JSON")
                .hasMessageContaining("nesting depth (1001) exceeds the maximum allowed (1000");
    }

    @Test
    void nestingUpToTheLimitIsParsedAndThenJudgedAsAHeader() throws Exception {
        Path p = safetensors("deep-ok.safetensors", "{\"a\": " + deep(999) + "}");
        assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("tensor 'a' in safetensors file " + p)
                .hasMessageContaining("expected an object with dtype, shape and data_offsets");
    }

    @Test
    void overLongNumberFailsNamingTheFile() throws Exception {
        Path p = safetensors("number.safetensors",
                "{\"a\": {\"dtype\": \"F32\", \"shape\": [" + "9".repeat(1_001) + "], \"data_offsets\": [0, 0]}}");
        assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("Number value length (1001) exceeds the maximum allowed (1000");
    }

    @Test
    void tensorNameLongerThanJacksonsDefaultLimitIsRead() throws Exception {
        String name = "w".repeat(60_000);
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put(name, new RawTensor("I32", new long[] {2}, leInts(new int[] {7, -3})));
        Path p = dir.resolve("long-name.safetensors");
        Files.write(p, SpecSafetensors.encode(t, Map.of()));
        try (SafetensorsFile f = SafetensorsFile.open(p); NDManager m = NDManager.newBaseManager()) {
            assertThat(f.names()).containsExactly(name);
            NDArray a = f.read(name, m);
            assertThat(a.toIntArray()).containsExactly(7, -3);
        }
    }

    @Test
    void deeplyNestedIndexFailsNamingTheIndex() throws Exception {
        Path ckpt = Files.createDirectories(dir.resolve("sharded"));
        Path index = ckpt.resolve(HfCheckpoint.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\": " + deep(2_000) + "}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> HfCheckpoint.open(ckpt).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("index " + index + " is not valid JSON")
                .hasMessageContaining("nesting depth");
    }

    @Test
    void deeplyNestedConfigFailsNamingTheConfig() throws Exception {
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put("a", new RawTensor("I32", new long[] {1}, leInts(new int[] {1})));
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        Files.write(ckpt.resolve(HfCheckpoint.SINGLE_FILE), SpecSafetensors.encode(t, Map.of()));
        Path config = ckpt.resolve(HfCheckpoint.CONFIG_FILE);
        Files.writeString(config, "{\"x\": " + deep(1_500) + "}", StandardCharsets.UTF_8);
        try (HfCheckpoint c = HfCheckpoint.open(ckpt)) {
            assertThatThrownBy(c::readConfig)
                    .isInstanceOf(AlloException.class)
                    .hasMessageContaining(config + " is not valid JSON")
                    .hasMessageContaining("nesting depth");
        }
    }

    @Test
    void errorsWithALocationStillGiveLineAndColumn() throws Exception {
        Path p = safetensors("syntax.safetensors", "{\n  \"a\": }");
        assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("at line 2, column");
    }

    @Test
    void unpairedSurrogateIndexFinder() {
        assertThat(JsonFiles.unpairedSurrogate("abc")).isEqualTo(-1);
        assertThat(JsonFiles.unpairedSurrogate("a\ud83d\ude42b")).isEqualTo(-1);
        assertThat(JsonFiles.unpairedSurrogate("a\ude42")).isEqualTo(1);
        assertThat(JsonFiles.unpairedSurrogate("ab\ud83d")).isEqualTo(2);
        assertThat(JsonFiles.unpairedSurrogate("\ud83d\ud83d\ude42")).isEqualTo(0);
    }
}
