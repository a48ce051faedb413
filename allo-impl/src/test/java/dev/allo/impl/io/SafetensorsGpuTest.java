package dev.allo.impl.io;

import static dev.allo.fixtures.io.SpecSafetensors.leShorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.io.SpecSafetensors;
import dev.allo.fixtures.io.SpecSafetensors.RawTensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading onto a GPU and writing from one (run with -Dgpu on a machine with a CUDA libtorch; docs/gpu.md). */
@Tag("gpu")
class SafetensorsGpuTest {
    @TempDir
    Path dir;

    @Test
    void readsOntoTheGpuAndWritesFromIt() throws Exception {
        assumeTrue(Engine.getInstance().getGpuCount() > 0, "no GPU");
        Path in = dir.resolve("in.safetensors");
        SpecSafetensors.write(in, Map.of("w", new RawTensor("BF16", new long[] {2, 2},
                leShorts(new int[] {0x3F80, 0x4049, 0xFF80, 0x0001}))), Map.of());
        Path out = dir.resolve("out.safetensors");
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu());
                SafetensorsFile f = SafetensorsFile.open(in)) {
            NDArray w = f.read("w", cpu, Device.gpu(), FloatConversion.TO_FLOAT32);
            assertThat(w.getDevice()).isEqualTo(Device.gpu());
            assertThat(w.getManager()).isSameAs(cpu);
            assertThat(w.toFloatArray()).containsExactly(1f, 3.140625f, Float.NEGATIVE_INFINITY, 0x1p-133f);
            new SafetensorsWriter().clearMetadata().add("w", w, SafetensorsDtype.BF16).write(out);
        }
        assertThat(SpecSafetensors.read(out).tensors().get("w").data())
                .isEqualTo(leShorts(new int[] {0x3F80, 0x4049, 0xFF80, 0x0001}));
    }
}
