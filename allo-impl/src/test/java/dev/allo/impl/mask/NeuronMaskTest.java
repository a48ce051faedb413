package dev.allo.impl.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.mask.MaskExportType;
import dev.allo.mask.NeuronMask;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NeuronMaskTest {
    @TempDir
    Path dir;

    static NeuronMask example() {
        return NeuronMask.builder()
                .add("model.embed_tokens.weight", new Shape(4, 3), new int[] {0, 5, 11})
                .addAll("model.norm.weight", new Shape(3))
                .addNone("lm_head.weight", new Shape(2, 3))
                .build();
    }

    @Test
    void reportsRatiosPerTensorAndOverall() {
        NeuronMask mask = example();
        assertThat(mask.tensorNames()).containsExactly("model.embed_tokens.weight", "model.norm.weight",
                "lm_head.weight");
        assertThat(mask.size()).isEqualTo(21);
        assertThat(mask.selectedCount()).isEqualTo(6);
        assertThat(mask.ratio()).isEqualTo(6.0 / 21);
        assertThat(mask.ratios()).containsExactly(Map.entry("model.embed_tokens.weight", 0.25),
                Map.entry("model.norm.weight", 1.0), Map.entry("lm_head.weight", 0.0));
        assertThat(mask.isFull("model.norm.weight")).isTrue();
        assertThat(mask.indices("model.norm.weight")).containsExactly(0, 1, 2);
        assertThat(mask.isSelected("model.embed_tokens.weight", 5)).isTrue();
        assertThat(mask.isSelected("model.embed_tokens.weight", 6)).isFalse();
    }

    @Test
    void allAndEmptyCoverEveryTensor() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("a", new Shape(2, 2));
        shapes.put("b", new Shape(5));
        assertThat(NeuronMask.all(shapes).ratio()).isEqualTo(1.0);
        assertThat(NeuronMask.all(shapes).isFull("a")).isTrue();
        assertThat(NeuronMask.empty(shapes).selectedCount()).isZero();
        assertThat(NeuronMask.empty(shapes).size()).isEqualTo(9);
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        NeuronMask mask = example();
        Path file = dir.resolve("n1.allomask");
        mask.save(file);
        NeuronMask loaded = NeuronMask.load(file);
        assertThat(loaded).isEqualTo(mask);
        assertThat(loaded.fingerprint()).isEqualTo(mask.fingerprint());
        assertThat(loaded.indices("model.embed_tokens.weight")).containsExactly(0, 5, 11);
        assertThat(loaded.shape("lm_head.weight")).isEqualTo(new Shape(2, 3));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // the temporary file was renamed, nothing left behind
        }
    }

    @Test
    void aCorruptedCountIsReportedBeforeTheChecksum() throws IOException {
        Path file = dir.resolve("mask.allomask");
        example().save(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 12] ^= 0x01; // the high byte of lm_head's index count: 0 becomes 2^24
        Files.write(file, bytes);
        assertThatThrownBy(() -> NeuronMask.load(file))
                .isInstanceOf(AlloException.class)
                .hasMessage("mask file " + file + " is corrupted: tensor 'lm_head.weight' declares 16777216 selected "
                        + "indices but has 6 elements");
    }

    @Test
    void aFlippedIndexBitIsReportedAsAChecksumMismatch() throws IOException {
        NeuronMask mask = NeuronMask.builder().add("w", new Shape(1000), new int[] {3, 700}).build();
        Path file = dir.resolve("mask.allomask");
        mask.save(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 8 - 1] ^= 0x02; // last byte of the index 700 (still ascending, in range)
        Files.write(file, bytes);
        assertThatThrownBy(() -> NeuronMask.load(file))
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("is corrupted: CRC32 checksum mismatch");
    }

    @Test
    void truncatedAndForeignFilesAreRejected() throws IOException {
        Path file = dir.resolve("mask.allomask");
        example().save(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> NeuronMask.load(file))
                .isInstanceOf(AlloException.class)
                .hasMessage("mask file " + file + " is corrupted: the file is truncated");
        Files.writeString(file, "{\"not\": \"a mask\"}");
        assertThatThrownBy(() -> NeuronMask.load(file))
                .isInstanceOf(AlloException.class)
                .hasMessageStartingWith("not an ALLO mask file: " + file);
        assertThatThrownBy(() -> NeuronMask.load(dir.resolve("missing.allomask")))
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("missing.allomask");
    }

    @Test
    void exportsZeroOneSafetensorsWithNamesAndShapes() throws IOException {
        NeuronMask mask = example();
        for (MaskExportType type : MaskExportType.values()) {
            Path file = dir.resolve("mask-" + type + ".safetensors");
            mask.exportSafetensors(file, type);
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat((8 + headerLength) % 8).isZero();
            JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength,
                    StandardCharsets.UTF_8));
            ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + headerLength), (int) (bytes.length - 8 - headerLength))
                    .slice().order(ByteOrder.LITTLE_ENDIAN);
            assertThat(header.get("__metadata__").get("format").asText()).isEqualTo("allo-neuron-mask");
            for (String name : mask.tensorNames()) {
                JsonNode entry = header.get(name);
                assertThat(entry.get("dtype").asText()).isEqualTo(type.name());
                long[] dims = new long[entry.get("shape").size()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = entry.get("shape").get(d).asLong();
                }
                assertThat(new Shape(dims)).isEqualTo(mask.shape(name));
                int begin = entry.get("data_offsets").get(0).asInt();
                int end = entry.get("data_offsets").get(1).asInt();
                int width = type == MaskExportType.U8 ? 1 : 4;
                assertThat(end - begin).isEqualTo(mask.size(name) * width);
                for (int i = 0; i < mask.size(name); i++) {
                    double value = type == MaskExportType.U8 ? data.get(begin + i) : data.getFloat(begin + 4 * i);
                    assertThat(value).as("%s[%d]", name, i).isEqualTo(mask.isSelected(name, i) ? 1.0 : 0.0);
                }
            }
        }
    }

    @Test
    void shapeMismatchWithTheModelNamesTheTensor() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("model.embed_tokens.weight", manager.zeros(new Shape(4, 3)));
            params.put("model.norm.weight", manager.zeros(new Shape(4)));
            params.put("lm_head.weight", manager.zeros(new Shape(2, 3)));
            assertThatThrownBy(() -> example().checkMatches(params))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mask does not match the model: tensor 'model.norm.weight' has shape (3) in the mask "
                            + "but (4) in the model");
            params.remove("lm_head.weight");
            params.put("model.norm.weight", manager.zeros(new Shape(3)));
            assertThatThrownBy(() -> example().checkMatches(params))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("mask does not match the model: mask tensor 'lm_head.weight' is not a "
                            + "model parameter");
        }
    }

    @Test
    void builderRejectsBadIndices() {
        assertThatThrownBy(() -> NeuronMask.builder().add("w", new Shape(2, 2), new int[] {1, 4}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mask index for tensor 'w' must be in [0, 4), got 4 at position 1");
        assertThatThrownBy(() -> NeuronMask.builder().add("w", new Shape(4), new int[] {2, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mask indices for tensor 'w' must be strictly ascending, got 2 then 2 at position 1");
        assertThatThrownBy(() -> NeuronMask.builder().addAll("w", new Shape(1)).addNone("w", new Shape(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mask already has a tensor named 'w'");
        assertThatThrownBy(() -> example().shape("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("mask has no tensor 'nope'");
    }
}
