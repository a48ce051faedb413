package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.fixtures.io.FloatBitsGenerators;
import dev.allo.fixtures.io.HalfFloatReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** 16-bit weight storage against the definitions of BF16 and F16 (HalfFloatReference). */
class HalfWeightTest {

    private static NDArray fromBits(NDManager m, int[] bits, Shape shape) {
        ByteBuffer b = ByteBuffer.allocateDirect(bits.length * 4).order(ByteOrder.nativeOrder());
        for (int x : bits) {
            b.putInt(x);
        }
        b.rewind();
        return m.create(b, shape, DataType.FLOAT32); // raw bits, NaN payloads kept
    }

    private static int[] bitsOf(NDArray a) {
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.nativeOrder());
        int[] out = new int[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt(i * 4);
        }
        return out;
    }

    @Test
    void bf16HoldsEveryBf16PatternExactlyAndWidensItBitForBit() {
        int[] bits = new int[1 << 16];
        for (int h = 0; h < bits.length; h++) {
            bits[h] = h << 16; // every BF16 value, as float32: infinities, subnormals, NaNs included
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = fromBits(m, bits, new Shape(256, 256));
            HalfWeight half = HalfWeight.narrow("w", w, HalfFormat.BF16, m);
            assertThat(half.stored().getDataType()).isEqualTo(DataType.UINT8);
            assertThat(half.stored().getShape()).isEqualTo(new Shape(256, 512)); // 2 bytes per value
            NDArray widened = half.widen(new HalfWeight.Bf16Table(m), m);
            assertThat(widened.getShape()).isEqualTo(new Shape(256, 256));
            int[] back = bitsOf(widened);
            for (int h = 0; h < bits.length; h++) {
                int expected = HalfFloatReference.BF16.toFloatBits(HalfFloatReference.BF16.fromFloatBits(bits[h]));
                assertThat(back[h]).as("pattern %04x", h).isEqualTo(expected);
                if (!Float.isNaN(Float.intBitsToFloat(bits[h])) || (h & 0x40) != 0) {
                    assertThat(back[h]).as("pattern %04x kept", h).isEqualTo(bits[h]); // only signalling NaNs change
                }
            }
        }
    }

    @Test
    void theDeviceTableWidensEveryPatternAsTheCpuPathDoes() {
        try (NDManager m = NDManager.newBaseManager()) {
            ByteBuffer pairs = ByteBuffer.allocateDirect(2 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int h = 0; h < 1 << 16; h++) {
                pairs.putShort((short) h);
            }
            pairs.rewind();
            NDArray bytes = m.create(pairs, new Shape(16, 8192), DataType.UINT8);
            int[] viaTable = bitsOf(new HalfWeight.Bf16Table(m).widen(bytes, new Shape(16, 4096), m));
            int[] viaCpu = bitsOf(HalfWeight.ofBf16Bytes(bytes, new Shape(16, 4096)).widen(null, m));
            for (int h = 0; h < 1 << 16; h++) {
                assertThat(viaTable[h]).as("table %04x", h).isEqualTo(h << 16);
                assertThat(viaCpu[h]).as("cpu %04x", h).isEqualTo(h << 16);
            }
        }
    }

    @Test
    void narrowingRoundsToNearestEvenInBothFormats() {
        try (NDManager m = NDManager.newBaseManager()) {
            HalfWeight.Bf16Table table = new HalfWeight.Bf16Table(m);
            qt().withExamples(200).forAll(FloatBitsGenerators.floatBits()).checkAssert(x -> {
                try (NDManager s = m.newSubManager()) {
                    NDArray w = fromBits(s, new int[] {x}, new Shape(1));
                    int bf16 = bitsOf(HalfWeight.narrow("w", w, HalfFormat.BF16, s).widen(table, s))[0];
                    assertThat(bf16).isEqualTo(HalfFloatReference.BF16.toFloatBits(
                            HalfFloatReference.BF16.fromFloatBits(x)));
                    float v = Float.intBitsToFloat(x);
                    if (Math.abs(v) < 65504 || Float.isNaN(v)) { // overflow is refused (next test)
                        int f16 = bitsOf(HalfWeight.narrow("w", w, HalfFormat.F16, s).widen(table, s))[0];
                        int expected = HalfFloatReference.F16.toFloatBits(HalfFloatReference.F16.fromFloatBits(x));
                        if (Float.isNaN(v)) {
                            assertThat(Float.isNaN(Float.intBitsToFloat(f16))).isTrue(); // the engine's NaN
                        } else {
                            assertThat(f16).as("%s", v).isEqualTo(expected);
                        }
                    }
                }
            });
        }
    }

    @Test
    void f16RefusesAValueItCannotHoldByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, -70000f, 2f}, new Shape(3));
            assertThatThrownBy(() -> HalfWeight.narrow("model.norm.weight", w, HalfFormat.F16, m))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.norm.weight")
                    .hasMessageContaining("-70000").hasMessageContaining("flat index 1")
                    .hasMessageContaining("65504");
            NDArray inf = m.create(new float[] {Float.POSITIVE_INFINITY, 1f}, new Shape(2)); // already infinite: kept
            assertThat(HalfWeight.narrow("w", inf, HalfFormat.F16, m).widen(null, m).toFloatArray())
                    .containsExactly(Float.POSITIVE_INFINITY, 1f);
        }
    }

    @Test
    void rowsEqualTheRowsOfTheWidenedWeight() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(10, 6));
            HalfWeight.Bf16Table table = new HalfWeight.Bf16Table(m);
            NDArray ids = m.create(new long[] {3, 0, 9, 3, 5, 1}, new Shape(2, 3));
            for (HalfFormat format : List.of(HalfFormat.BF16, HalfFormat.F16)) {
                HalfWeight half = HalfWeight.narrow("w", w, format, m);
                float[] full = half.widen(table, m).toFloatArray();
                NDArray rows = half.rows(ids, table, m);
                assertThat(rows.getShape()).isEqualTo(new Shape(2, 3, 6));
                float[] r = rows.toFloatArray();
                long[] idv = ids.toLongArray();
                for (int t = 0; t < idv.length; t++) {
                    for (int c = 0; c < 6; c++) {
                        assertThat(r[t * 6 + c]).as("%s row %d col %d", format, t, c)
                                .isEqualTo(full[(int) idv[t] * 6 + c]);
                    }
                }
            }
        }
    }
}
