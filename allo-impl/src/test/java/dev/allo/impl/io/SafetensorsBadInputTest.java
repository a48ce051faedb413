package dev.allo.impl.io;

import static dev.allo.fixtures.io.SpecSafetensors.leInts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.AlloException;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of malformed safetensors file fails on open with a message naming the file, tensor and values. */
class SafetensorsBadInputTest {
    @TempDir
    Path dir;

    private Path file(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path withHeader(String name, String json, int dataBytes) throws Exception {
        return file(name, SpecSafetensors.withHeader(json, new byte[dataBytes]));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertOpenFails(Path p) {
        return assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining(p.toString());
    }

    private static byte[] valid() {
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put("a", new RawTensor("F32", new long[] {2}, leInts(new int[] {1, 2})));
        t.put("b", new RawTensor("F32", new long[] {3}, leInts(new int[] {3, 4, 5})));
        return SpecSafetensors.encode(t, Map.of("format", "pt"));
    }

    @Test
    void missingFile() {
        Path p = dir.resolve("absent.safetensors");
        assertOpenFails(p).hasMessageContaining("does not exist");
    }

    @Test
    void directoryInsteadOfFile() {
        assertOpenFails(dir).hasMessageContaining("found a directory");
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws Exception {
        assertOpenFails(file("short.safetensors", new byte[] {1, 2, 3}))
                .hasMessageContaining("has 3 bytes, fewer than the 8-byte header length");
    }

    @Test
    void headerLengthBeyondTheSaneLimit() throws Exception {
        byte[] bytes = SpecSafetensors.withRawHeader(200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertOpenFails(file("huge.safetensors", bytes))
                .hasMessageContaining("header of 200000000 bytes, more than the limit of 100000000");
    }

    @Test
    void headerLengthWithTheTopBitSet() throws Exception {
        byte[] bytes = SpecSafetensors.withRawHeader(-1L, new byte[8], new byte[0]);
        assertOpenFails(file("negative.safetensors", bytes)).hasMessageContaining("18446744073709551615 bytes");
    }

    @Test
    void headerLengthLargerThanTheFile() throws Exception {
        byte[] bytes = SpecSafetensors.withRawHeader(100, "{}      ".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertOpenFails(file("long.safetensors", bytes))
                .hasMessageContaining("header of 100 bytes, but only 8 bytes follow");
    }

    @Test
    void malformedJson() throws Exception {
        assertOpenFails(withHeader("json.safetensors", "{\"a\": {\"dtype\": \"F32\",", 0))
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void headerThatIsNotAnObject() throws Exception {
        assertOpenFails(withHeader("array.safetensors", "[1, 2]", 0))
                .hasMessageContaining("must be a JSON object").hasMessageContaining("array [1,2]");
    }

    @Test
    void headerThatIsNotUtf8() throws Exception {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertOpenFails(file("utf8.safetensors", SpecSafetensors.withRawHeader(8, header, new byte[0])))
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void duplicateTensorNames() throws Exception {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertOpenFails(withHeader("dup.safetensors", json, 8)).hasMessageContaining("Duplicate field 'a'");
    }

    @Test
    void trailingContentAfterTheHeaderObject() throws Exception {
        assertOpenFails(withHeader("trailing.safetensors", "{} {}", 0)).hasMessageContaining("not valid JSON");
    }

    @Test
    void unknownDtype() throws Exception {
        String json = "{\"w\":{\"dtype\":\"F12\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        assertOpenFails(withHeader("dtype.safetensors", json, 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("unknown dtype 'F12'")
                .hasMessageContaining("known dtypes: BOOL, U8");
    }

    @Test
    void missingOrMistypedFields() throws Exception {
        assertOpenFails(withHeader("nodtype.safetensors", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("dtype");
        assertOpenFails(withHeader("entry.safetensors", "{\"w\":5}", 0))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("found number 5");
        assertOpenFails(withHeader("shape.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("non-negative integers, found array [-1]");
        assertOpenFails(withHeader("shape2.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("shape");
        assertOpenFails(withHeader("offsets.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4))
                .hasMessageContaining("data_offsets to be two integers").hasMessageContaining("[0]");
        assertOpenFails(withHeader("reversed.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4))
                .hasMessageContaining("0 <= begin <= end").hasMessageContaining("[4,0]");
    }

    @Test
    void metadataThatIsNotAStringMap() throws Exception {
        assertOpenFails(withHeader("meta.safetensors", "{\"__metadata__\":{\"format\":1}}", 0))
                .hasMessageContaining("__metadata__").hasMessageContaining("'format' must be a string");
    }

    @Test
    void byteSizeThatDoesNotMatchShapeAndDtype() throws Exception {
        String json = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,10]}}";
        assertOpenFails(withHeader("size.safetensors", json, 10))
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("dtype BF16 and shape [2, 3] need 12 bytes, but data_offsets [0, 10] span 10");
    }

    @Test
    void shapeWhoseSizeOverflows() throws Exception {
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}";
        assertOpenFails(withHeader("overflow.safetensors", json, 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("more bytes than a 64-bit size");
    }

    @Test
    void offsetsOutsideTheFile() throws Exception {
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]}}";
        assertOpenFails(withHeader("outside.safetensors", json, 16))
                .hasMessageContaining("is truncated: tensor 'w' needs file bytes")
                .hasMessageContaining("expected a file of");
    }

    @Test
    void overlappingTensors() throws Exception {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertOpenFails(withHeader("overlap.safetensors", json, 12))
                .hasMessageContaining("tensor 'b'").hasMessageContaining("overlaps tensor 'a'")
                .hasMessageContaining("[4, 12]");
    }

    @Test
    void gapBetweenTensors() throws Exception {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertOpenFails(withHeader("gap.safetensors", json, 12))
                .hasMessageContaining("data bytes [4, 8)").hasMessageContaining("belong to no tensor")
                .hasMessageContaining("'b'");
    }

    @Test
    void bytesAfterTheLastTensor() throws Exception {
        byte[] good = valid();
        byte[] longer = Arrays.copyOf(good, good.length + 3);
        assertOpenFails(file("extra.safetensors", longer))
                .hasMessageContaining("3 bytes after the last tensor's data")
                .hasMessageContaining("expected a file of " + good.length + " bytes, found " + longer.length);
    }

    @Test
    void truncatedFile() throws Exception {
        byte[] good = valid();
        Path p = file("cut.safetensors", Arrays.copyOf(good, good.length - 5));
        assertOpenFails(p).hasMessageContaining("is truncated: tensor 'b'")
                .hasMessageContaining("expected a file of " + good.length + " bytes");
    }

    @Test
    void theValidFileOpens() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(file("ok.safetensors", valid()))) {
            assertThat(f.names()).containsExactly("a", "b");
        }
    }
}
