package dev.allo.impl.io;

import static dev.allo.fixtures.io.HalfFloatReference.BF16;
import static dev.allo.fixtures.io.HalfFloatReference.F16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.io.RandomTensors;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load, save in the stored dtype, load again: the bytes come back identical. Files are built and checked by the
 * independent codec of the fixtures; the only permitted change is the one the NaN convention prescribes (a
 * signalling BF16 or F16 NaN, widened to float32 and narrowed back, comes back quiet).
 */
class SafetensorsRoundTripProperties {
    @TempDir
    Path dir;

    @Test
    void float32LoadingThenSavingInTheStoredDtypeGivesTheSameBytes() {
        List<String> dtypes = List.of("F32", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL");
        qt().withFixedSeed(77L).withExamples(40).forAll(longs().all()).checkAssert(seed -> {
            Map<String, RawTensor> original = RandomTensors.tensorSet(seed, dtypes, 6);
            Map<String, RawTensor> back = roundTrip(original, FloatConversion.TO_FLOAT32);
            assertThat(back.keySet()).containsExactlyInAnyOrderElementsOf(original.keySet());
            original.forEach((name, t) -> assertThat(back.get(name)).as(name).isEqualTo(expected(t)));
        });
    }

    @Test
    void loadingAsStoredThenSavingGivesTheSameBytesIncludingF64() {
        List<String> dtypes = List.of("F16", "F64", "F32", "I64");
        qt().withFixedSeed(78L).withExamples(25).forAll(longs().all()).checkAssert(seed -> {
            Map<String, RawTensor> original = RandomTensors.tensorSet(seed, dtypes, 5);
            Map<String, RawTensor> back = roundTrip(original, FloatConversion.AS_STORED);
            original.forEach((name, t) -> assertThat(back.get(name)).as(name).isEqualTo(t));
        });
    }

    private Map<String, RawTensor> roundTrip(Map<String, RawTensor> original, FloatConversion conversion) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path in = Files.createTempFile(dir, "in", ".safetensors");
            Path out = Files.createTempFile(dir, "out", ".safetensors");
            SpecSafetensors.write(in, original, Map.of("format", "pt"));
            SafetensorsWriter writer = new SafetensorsWriter();
            try (SafetensorsFile f = SafetensorsFile.open(in)) {
                Map<String, NDArray> arrays = f.readAll(manager, Device.cpu(), conversion);
                arrays.forEach((name, array) -> writer.add(name, array, f.info(name).dtype()));
                writer.write(out);
            }
            return SpecSafetensors.read(out).tensors();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The tensor after a float32 round trip: signalling 16-bit NaNs become quiet, everything else is unchanged. */
    private static RawTensor expected(RawTensor t) {
        if (!t.dtype().equals("BF16") && !t.dtype().equals("F16")) {
            return t;
        }
        boolean bf16 = t.dtype().equals("BF16");
        int[] codes = SpecSafetensors.shorts(t.data());
        for (int i = 0; i < codes.length; i++) {
            double v = bf16 ? BF16.value(codes[i]) : F16.value(codes[i]);
            if (Double.isNaN(v)) {
                codes[i] |= bf16 ? 0x0040 : 0x0200;
            }
        }
        return new RawTensor(t.dtype(), t.shape(), SpecSafetensors.leShorts(codes));
    }
}
