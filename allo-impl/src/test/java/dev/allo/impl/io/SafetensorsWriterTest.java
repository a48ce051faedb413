package dev.allo.impl.io;

import static dev.allo.fixtures.io.HalfFloatReference.BF16;
import static dev.allo.fixtures.io.HalfFloatReference.F16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.allo.AlloException;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's layout and values, checked with the independent decoder of the fixtures. */
class SafetensorsWriterTest {
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

    private static final float[] VALUES = {1f, -2.5f, 0.1f, 65520f, 1e-8f, Float.NEGATIVE_INFINITY};

    @Test
    void laysOutTensorsByDecreasingAlignmentThenNameWithAnAlignedHeader() throws Exception {
        Path p = dir.resolve("layout.safetensors");
        new SafetensorsWriter().floatDtype(SafetensorsDtype.BF16)
                .add("mask", manager.create(new boolean[] {true, false, true}))
                .add("zeta", manager.create(VALUES))
                .add("ids", manager.create(new long[] {3, -4}))
                .add("alpha", manager.create(VALUES).reshape(2, 3))
                .add("exact", manager.create(VALUES), SafetensorsDtype.F32)
                .add("half", manager.create(VALUES), SafetensorsDtype.F16)
                .add("count", manager.create(new int[] {7}))
                .add("bytes", manager.create(new byte[] {-1, 2}))
                .write(p);

        byte[] bytes = Files.readAllBytes(p);
        SpecSafetensors.Decoded decoded = SpecSafetensors.decode(bytes);
        List<String> keys = new ArrayList<>();
        decoded.header().fieldNames().forEachRemaining(keys::add);
        // I64, F32, I32, BF16 (alpha, zeta by name), F16, I8, BOOL.
        assertThat(keys).containsExactly(
                "__metadata__", "ids", "exact", "count", "alpha", "zeta", "half", "bytes", "mask");
        assertThat(decoded.metadata()).containsExactly(Map.entry("format", "pt"));
        assertThat(decoded.headerLength() % 8).isZero();
        String headerText = new String(bytes, 8, (int) decoded.headerLength(), StandardCharsets.UTF_8);
        assertThat(headerText.stripTrailing()).endsWith("}");
        assertThat(headerText.substring(headerText.stripTrailing().length())).matches(" *");

        long expectedBegin = 0;
        for (String name : keys.subList(1, keys.size())) {
            JsonNode offsets = decoded.header().get(name).get("data_offsets");
            assertThat(offsets.get(0).longValue()).as(name).isEqualTo(expectedBegin);
            long absolute = 8 + decoded.headerLength() + expectedBegin;
            int size = SpecSafetensors.elementSize(decoded.tensors().get(name).dtype());
            assertThat(absolute % size).as("alignment of %s", name).isZero();
            expectedBegin = offsets.get(1).longValue();
        }
        assertThat(bytes.length).isEqualTo(8 + decoded.headerLength() + expectedBegin);

        Map<String, RawTensor> t = decoded.tensors();
        assertThat(t.get("alpha").dtype()).isEqualTo("BF16");
        assertThat(t.get("alpha").shape()).containsExactly(2, 3);
        assertThat(SpecSafetensors.shorts(t.get("alpha").data())).containsExactly(expectedCodes(true));
        assertThat(SpecSafetensors.shorts(t.get("half").data())).containsExactly(expectedCodes(false));
        assertThat(SpecSafetensors.ints(t.get("exact").data())).containsExactly(floatBits(VALUES));
        assertThat(t.get("ids").dtype()).isEqualTo("I64");
        assertThat(ByteBuffer.wrap(t.get("ids").data()).order(ByteOrder.LITTLE_ENDIAN).getLong(8)).isEqualTo(-4);
        assertThat(t.get("count").dtype()).isEqualTo("I32");
        assertThat(t.get("bytes").dtype()).isEqualTo("I8");
        assertThat(t.get("bytes").data()).containsExactly(-1, 2);
        assertThat(t.get("mask").dtype()).isEqualTo("BOOL");
        assertThat(t.get("mask").data()).containsExactly(1, 0, 1);
    }

    @Test
    void matchesTheSafetensorsLibrarySerializationByteForByte() throws Exception {
        // The format library's own serialization tests: F32 0..5 of shape [1, 2, 3] named "attn.0" gives a 64-byte
        // header with no padding; named "attn0" with shape [1, 1, 2, 3], a 65-byte JSON padded with 7 spaces to 72.
        NDArray values = manager.arange(6f);
        Path a = dir.resolve("a.safetensors");
        new SafetensorsWriter().clearMetadata().add("attn.0", values.reshape(1, 2, 3)).write(a);
        assertThat(Files.readAllBytes(a)).isEqualTo(SpecSafetensors.withRawHeader(64,
                "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"
                        .getBytes(StandardCharsets.UTF_8),
                SpecSafetensors.leInts(floatBits(new float[] {0, 1, 2, 3, 4, 5}))));
        Path b = dir.resolve("b.safetensors");
        new SafetensorsWriter().clearMetadata().add("attn0", values.reshape(1, 1, 2, 3)).write(b);
        assertThat(Files.readAllBytes(b)).isEqualTo(SpecSafetensors.withRawHeader(72,
                "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       "
                        .getBytes(StandardCharsets.UTF_8),
                SpecSafetensors.leInts(floatBits(new float[] {0, 1, 2, 3, 4, 5}))));
    }

    private static int[] expectedCodes(boolean bf16) {
        int[] codes = new int[VALUES.length];
        for (int i = 0; i < VALUES.length; i++) {
            codes[i] = bf16 ? BF16.fromFloat(VALUES[i]) : F16.fromFloat(VALUES[i]);
        }
        return codes;
    }

    private static int[] floatBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    @Test
    void convertsOtherFloatTypesAndKeepsNonContiguousArraysInLogicalOrder() throws Exception {
        Path p = dir.resolve("convert.safetensors");
        NDArray f16 = manager.create(new float[] {1f, 0.333251953125f, -65504f}).toType(DataType.FLOAT16, false);
        NDArray f64 = manager.create(new double[] {0.1, -3.0});
        NDArray transposed = manager.arange(6f).reshape(2, 3).transpose(); // (3, 2), strided
        new SafetensorsWriter()
                .add("f16", f16, SafetensorsDtype.F16)
                .add("f16as32", f16)
                .add("f64", f64)
                .add("wide", manager.create(new float[] {0.1f}), SafetensorsDtype.F64)
                .add("t", transposed)
                .write(p);
        Map<String, RawTensor> t = SpecSafetensors.read(p).tensors();
        assertThat(SpecSafetensors.shorts(t.get("f16").data())).containsExactly(0x3C00, 0x3555, 0xFBFF);
        assertThat(t.get("f16as32").dtype()).isEqualTo("F32");
        assertThat(SpecSafetensors.ints(t.get("f16as32").data()))
                .containsExactly(floatBits(new float[] {1f, 0.333251953125f, -65504f}));
        assertThat(SpecSafetensors.ints(t.get("f64").data())).containsExactly(floatBits(new float[] {0.1f, -3f}));
        assertThat(t.get("wide").dtype()).isEqualTo("F64");
        assertThat(ByteBuffer.wrap(t.get("wide").data()).order(ByteOrder.LITTLE_ENDIAN).getDouble())
                .isEqualTo((double) 0.1f);
        assertThat(t.get("t").shape()).containsExactly(3, 2);
        assertThat(SpecSafetensors.ints(t.get("t").data()))
                .containsExactly(floatBits(new float[] {0, 3, 1, 4, 2, 5}));
        assertThat(transposed.getShape()).isEqualTo(new Shape(3, 2));
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws Exception {
        Path p = dir.resolve("model.safetensors");
        Files.writeString(p, "old content");
        SafetensorsWriter.write(p, Map.of("w", manager.create(VALUES)), SafetensorsDtype.F32);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.read("w", manager).toFloatArray()).containsExactly(VALUES);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(p);
        }
    }

    @Test
    void writesEmptyAndScalarTensors() throws Exception {
        Path p = dir.resolve("edge.safetensors");
        new SafetensorsWriter()
                .add("empty", manager.zeros(new Shape(0, 3)))
                .add("scalar", manager.create(5f))
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.read("empty", manager).getShape()).isEqualTo(new Shape(0, 3));
            NDArray scalar = f.read("scalar", manager);
            assertThat(scalar.getShape()).isEqualTo(new Shape());
            assertThat(scalar.getFloat()).isEqualTo(5f);
        }
    }

    @Test
    void refusesBadNamesTypesAndTargets() throws Exception {
        NDArray floats = manager.create(VALUES);
        NDArray ints = manager.create(new int[] {1});
        SafetensorsWriter w = new SafetensorsWriter().add("a", floats);
        assertThatThrownBy(() -> w.add("a", floats)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a' was already added");
        assertThatThrownBy(() -> w.add("__metadata__", floats)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("__metadata__");
        assertThatThrownBy(() -> w.add("", floats)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.add("i", ints, SafetensorsDtype.F32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor 'i': cannot store an array of type INT32 as F32");
        assertThatThrownBy(() -> w.add("f", floats, SafetensorsDtype.I64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot store an array of type FLOAT32 as I64");
        assertThatThrownBy(() -> w.floatDtype(SafetensorsDtype.I32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("floatDtype must be F32, F16, BF16 or F64, got I32");

        Path parentIsAFile = dir.resolve("plain");
        Files.writeString(parentIsAFile, "x");
        Path target = parentIsAFile.resolve("model.safetensors");
        assertThatThrownBy(() -> w.write(target)).isInstanceOf(AlloException.class)
                .hasMessageContaining("cannot write " + target);

        NDArray closed = manager.create(VALUES);
        SafetensorsWriter late = new SafetensorsWriter().add("c", closed);
        closed.close();
        assertThatThrownBy(() -> late.write(dir.resolve("late.safetensors")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'c' was closed");
        assertThat(dir.resolve("late.safetensors")).doesNotExist();
    }
}
