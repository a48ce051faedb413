package dev.allo.impl.io;

import static dev.allo.fixtures.io.SpecSafetensors.leInts;
import static dev.allo.fixtures.io.SpecSafetensors.leLongs;
import static dev.allo.fixtures.io.SpecSafetensors.leShorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Worked examples of reading files built by the independent codec of the fixtures. */
class SafetensorsFileTest {
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

    private static byte[] f64(double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        return b.array();
    }

    private static int[] floatBits(float... values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    private Path everyDtype() throws Exception {
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put("bool", new RawTensor("BOOL", new long[] {3}, new byte[] {1, 0, 1}));
        t.put("f32", new RawTensor("F32", new long[] {2, 3}, leInts(floatBits(1f, -2f, 0.5f, 3e-40f, 1e30f, -0f))));
        t.put("f16", new RawTensor("F16", new long[] {4}, leShorts(new int[] {0x3C00, 0xC000, 0x0001, 0x7C00})));
        t.put("bf16", new RawTensor("BF16", new long[] {2, 2}, leShorts(new int[] {0x3F80, 0x4049, 0xFF80, 0x0001})));
        t.put("f64", new RawTensor("F64", new long[] {3}, f64(0.1, 1e300, -2.5)));
        t.put("i64", new RawTensor("I64", new long[] {2}, leLongs(new long[] {Long.MIN_VALUE, Long.MAX_VALUE})));
        t.put("i32", new RawTensor("I32", new long[] {2}, leInts(new int[] {-7, Integer.MAX_VALUE})));
        t.put("i8", new RawTensor("I8", new long[] {3}, new byte[] {-128, 0, 127}));
        t.put("u8", new RawTensor("U8", new long[] {3}, new byte[] {0, (byte) 200, (byte) 255}));
        t.put("scalar", new RawTensor("F32", new long[] {}, leInts(floatBits(42f))));
        t.put("empty", new RawTensor("F32", new long[] {0, 4}, new byte[0]));
        Path p = dir.resolve("every.safetensors");
        SpecSafetensors.write(p, t, Map.of("format", "pt", "note", "x"));
        return p;
    }

    @Test
    void readsEveryReadableDtypeAsFloat32ByDefault() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(everyDtype())) {
            assertThat(f.names()).containsExactly(
                    "bool", "f32", "f16", "bf16", "f64", "i64", "i32", "i8", "u8", "scalar", "empty");
            assertThat(f.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "note", "x"));

            NDArray f32 = f.read("f32", manager);
            assertThat(f32.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(f32.getShape()).isEqualTo(new Shape(2, 3));
            assertThat(f32.toFloatArray()).containsExactly(1f, -2f, 0.5f, 3e-40f, 1e30f, -0f);
            assertThat(f32.getName()).isEqualTo("f32");

            NDArray f16 = f.read("f16", manager);
            assertThat(f16.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(f16.toFloatArray()).containsExactly(1f, -2f, 0x1p-24f, Float.POSITIVE_INFINITY);

            NDArray bf16 = f.read("bf16", manager);
            assertThat(bf16.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(bf16.getShape()).isEqualTo(new Shape(2, 2));
            assertThat(bf16.toFloatArray()).containsExactly(1f, 3.140625f, Float.NEGATIVE_INFINITY, 0x1p-133f);

            NDArray f64 = f.read("f64", manager);
            assertThat(f64.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(f64.toFloatArray()).containsExactly(0.1f, Float.POSITIVE_INFINITY, -2.5f);

            assertThat(f.read("i64", manager).toLongArray()).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(f.read("i32", manager).toIntArray()).containsExactly(-7, Integer.MAX_VALUE);
            NDArray i8 = f.read("i8", manager);
            assertThat(i8.getDataType()).isEqualTo(DataType.INT8);
            assertThat(i8.toByteArray()).containsExactly(-128, 0, 127);
            NDArray u8 = f.read("u8", manager);
            assertThat(u8.getDataType()).isEqualTo(DataType.UINT8);
            assertThat(u8.toUint8Array()).containsExactly(0, 200, 255);
            NDArray bool = f.read("bool", manager);
            assertThat(bool.getDataType()).isEqualTo(DataType.BOOLEAN);
            assertThat(bool.toBooleanArray()).containsExactly(true, false, true);

            NDArray scalar = f.read("scalar", manager);
            assertThat(scalar.getShape()).isEqualTo(new Shape());
            assertThat(scalar.getFloat()).isEqualTo(42f);
            NDArray empty = f.read("empty", manager);
            assertThat(empty.getShape()).isEqualTo(new Shape(0, 4));
        }
    }

    @Test
    void keepsF16AndF64AsStoredOnRequestButAlwaysWidensBf16() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(everyDtype())) {
            Device cpu = Device.cpu();
            NDArray f16 = f.read("f16", manager, cpu, FloatConversion.AS_STORED);
            assertThat(f16.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(f16.toType(DataType.FLOAT32, false).toFloatArray())
                    .containsExactly(1f, -2f, 0x1p-24f, Float.POSITIVE_INFINITY);
            NDArray f64 = f.read("f64", manager, cpu, FloatConversion.AS_STORED);
            assertThat(f64.getDataType()).isEqualTo(DataType.FLOAT64);
            assertThat(f64.toDoubleArray()).containsExactly(0.1, 1e300, -2.5);
            assertThat(f.read("bf16", manager, cpu, FloatConversion.AS_STORED).getDataType())
                    .isEqualTo(DataType.FLOAT32);
        }
    }

    @Test
    void describesTensorsAsTheHeaderDeclares() throws Exception {
        Path p = everyDtype();
        SpecSafetensors.Decoded spec = SpecSafetensors.read(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.headerLength()).isEqualTo(spec.headerLength());
            TensorInfo bf16 = f.info("bf16");
            assertThat(bf16.dtype()).isEqualTo(SafetensorsDtype.BF16);
            assertThat(bf16.shape()).isEqualTo(new Shape(2, 2));
            assertThat(bf16.byteSize()).isEqualTo(8);
            assertThat(bf16.elementCount()).isEqualTo(4);
            JsonOffsets offsets = JsonOffsets.of(spec, "bf16");
            assertThat(bf16.dataBegin()).isEqualTo(offsets.begin);
            assertThat(bf16.dataEnd()).isEqualTo(offsets.end);
            assertThat(bf16.fileOffset()).isEqualTo(8 + spec.headerLength() + offsets.begin);
            assertThat(bf16.file()).isEqualTo(p);
            assertThat(f.contains("bf16")).isTrue();
            assertThat(f.contains("nope")).isFalse();
        }
    }

    private record JsonOffsets(long begin, long end) {
        static JsonOffsets of(SpecSafetensors.Decoded spec, String name) {
            var o = spec.header().get(name).get("data_offsets");
            return new JsonOffsets(o.get(0).longValue(), o.get(1).longValue());
        }
    }

    @Test
    void returnsPrivateCopiesThatInPlaceUpdatesCannotLeakIntoTheFile() throws Exception {
        Path p = everyDtype();
        byte[] before = Files.readAllBytes(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            NDArray first = f.read("f32", manager);
            first.addi(100f); // in place, as an optimiser step would
            first.muli(2f);
            NDArray second = f.read("f32", manager);
            assertThat(second.toFloatArray()).containsExactly(1f, -2f, 0.5f, 3e-40f, 1e30f, -0f);
            assertThat(first.toFloatArray()[0]).isEqualTo(202f);
        }
        assertThat(Files.readAllBytes(p)).isEqualTo(before);
    }

    @Test
    void readsLargeTensorsInSeveralWindowsWithTheSameResult() throws Exception {
        int n = 1000;
        int[] codes = new int[n];
        int[] f32 = new int[n];
        double[] f64 = new double[n];
        for (int i = 0; i < n; i++) {
            codes[i] = (i * 7919) & 0xFFFF;
            f32[i] = i * 0x9E3779B9;
            f64[i] = i * 0.37 - 100;
        }
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put("bf16", new RawTensor("BF16", new long[] {10, 100}, leShorts(codes)));
        t.put("f16", new RawTensor("F16", new long[] {n}, leShorts(codes)));
        t.put("f32", new RawTensor("F32", new long[] {4, 250}, leInts(f32)));
        t.put("f64", new RawTensor("F64", new long[] {n}, f64(f64)));
        Path p = dir.resolve("chunks.safetensors");
        SpecSafetensors.write(p, t, Map.of());
        try (SafetensorsFile whole = SafetensorsFile.open(p);
                SafetensorsFile pieces = SafetensorsFile.open(p, 24)) { // windows of a few elements
            for (String name : t.keySet()) {
                int[] expected = rawFloatBits(whole.read(name, manager));
                assertThat(rawFloatBits(pieces.read(name, manager))).as(name).isEqualTo(expected);
            }
            assertThat(rawFloatBits(whole.read("bf16", manager))[1]).isEqualTo(HalfPrecision.bf16ToFloatBits(7919));
        }
    }

    private static int[] rawFloatBits(NDArray a) {
        int[] bits = new int[Math.toIntExact(a.size())];
        a.toByteBuffer().order(ByteOrder.nativeOrder()).asIntBuffer().get(bits);
        return bits;
    }

    @Test
    void readAllReturnsEveryTensorInFileOrder() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(everyDtype())) {
            Map<String, NDArray> all = f.readAll(manager);
            assertThat(all.keySet()).containsExactlyElementsOf(f.names());
            assertThat(all.get("bf16").toFloatArray()[1]).isEqualTo(3.140625f);
        }
    }

    @Test
    void refusesUnreadableDtypesMissingTensorsAndClosedFiles() throws Exception {
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put("u16", new RawTensor("U16", new long[] {2}, leShorts(new int[] {1, 2})));
        Path p = dir.resolve("u16.safetensors");
        SpecSafetensors.write(p, t, Map.of());
        SafetensorsFile f = SafetensorsFile.open(p);
        assertThat(f.info("u16").dtype()).isEqualTo(SafetensorsDtype.U16);
        assertThatThrownBy(() -> f.read("u16", manager))
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("'u16'").hasMessageContaining(p.toString())
                .hasMessageContaining("U16").hasMessageContaining("readable dtypes: BOOL, U8, I8, F16, BF16");
        assertThatThrownBy(() -> f.read("missing", manager))
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("no tensor 'missing'").hasMessageContaining(p.toString());
        f.close();
        assertThatThrownBy(() -> f.read("u16", manager)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
