package dev.allo.impl.io;

import static dev.allo.fixtures.io.HalfFloatReference.BF16;
import static dev.allo.fixtures.io.HalfFloatReference.F16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.allo.fixtures.io.FloatBitsGenerators;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/** {@link HalfPrecision} against the exact reference of the fixtures. */
class HalfPrecisionProperties {

    @Test
    void bf16NarrowingMatchesReference() {
        qt().withFixedSeed(20240601L).withExamples(20_000)
                .forAll(FloatBitsGenerators.floatBits())
                .checkAssert(bits -> assertThat(HalfPrecision.floatBitsToBf16(bits))
                        .as("float bits %08x", bits)
                        .isEqualTo(BF16.fromFloatBits(bits)));
    }

    @Test
    void f16NarrowingMatchesReference() {
        qt().withFixedSeed(20240602L).withExamples(20_000)
                .forAll(FloatBitsGenerators.floatBits())
                .checkAssert(bits -> assertThat(HalfPrecision.floatBitsToF16(bits))
                        .as("float bits %08x", bits)
                        .isEqualTo(F16.fromFloatBits(bits)));
    }

    @Test
    void widensEveryCodeExactly() {
        // All 65536 codes of both formats: exhaustive rather than sampled.
        for (int code = 0; code <= 0xFFFF; code++) {
            assertThat(HalfPrecision.bf16ToFloatBits(code)).as("BF16 %04x", code).isEqualTo(BF16.toFloatBits(code));
            assertThat(HalfPrecision.f16ToFloatBits(code)).as("F16 %04x", code).isEqualTo(F16.toFloatBits(code));
        }
    }

    @Test
    void narrowingAfterWideningGivesTheCodeBack() {
        qt().withFixedSeed(20240603L).withExamples(5_000)
                .forAll(FloatBitsGenerators.halfCodes())
                .checkAssert(code -> {
                    // Signalling NaNs become quiet; every other code survives exactly.
                    int bf16 = HalfPrecision.floatBitsToBf16(HalfPrecision.bf16ToFloatBits(code));
                    int f16 = HalfPrecision.floatBitsToF16(HalfPrecision.f16ToFloatBits(code));
                    assertThat(bf16).isEqualTo(isNan(BF16.value(code)) ? code | 0x0040 : code);
                    assertThat(f16).isEqualTo(isNan(F16.value(code)) ? code | 0x0200 : code);
                });
    }

    @Test
    void bulkConversionsMatchScalarReference() {
        // Few shrink cycles: shrinking long arrays is slow, and the failing element is named anyway.
        qt().withFixedSeed(20240604L).withExamples(60).withShrinkCycles(20)
                .forAll(Generate.intArrays(integers().between(0, 20_000), FloatBitsGenerators.floatBits()),
                        integers().between(0, 7))
                .checkAssert((floatBits, offset) -> {
                    int n = floatBits.length;
                    // Source at an odd offset: the bulk path must not assume alignment.
                    ByteBuffer floats = ByteBuffer.allocateDirect(offset + 4 * n).order(ByteOrder.nativeOrder());
                    floats.position(offset);
                    floats.slice().order(ByteOrder.nativeOrder()).asIntBuffer().put(floatBits);
                    ByteBuffer src = floats.position(offset).slice();
                    for (boolean toBf16 : new boolean[] {true, false}) {
                        ByteBuffer halves = ByteBuffer.allocateDirect(2 * n);
                        HalfPrecision.narrow(src, halves, n, toBf16);
                        ByteBuffer widened = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
                        if (toBf16) {
                            HalfPrecision.widenBf16(halves, widened, n);
                        } else {
                            HalfPrecision.widenF16(halves, widened, n);
                        }
                        for (int i = 0; i < n; i++) {
                            int code = halves.order(ByteOrder.LITTLE_ENDIAN).getShort(2 * i) & 0xFFFF;
                            int expected = toBf16 ? BF16.fromFloatBits(floatBits[i]) : F16.fromFloatBits(floatBits[i]);
                            assertThat(code).as("element %d of %d", i, n).isEqualTo(expected);
                            int expectedWide = toBf16 ? BF16.toFloatBits(code) : F16.toFloatBits(code);
                            assertThat(widened.getInt(4 * i)).isEqualTo(expectedWide);
                        }
                    }
                });
    }

    private static boolean isNan(double v) {
        return Double.isNaN(v);
    }
}
