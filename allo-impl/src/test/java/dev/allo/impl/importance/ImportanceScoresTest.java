package dev.allo.impl.importance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.impl.ParameterOnlyModel;
import dev.allo.importance.ImportanceContext;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportanceScoresTest {
    @TempDir
    Path dir;

    static ParameterOnlyModel model() {
        NDManager tmp = NDManager.newBaseManager();
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("model.embed_tokens.weight", tmp.randomNormal(new Shape(16, 4)));
        p.put("model.layers.0.mlp.up_proj.weight", tmp.randomNormal(new Shape(8, 4)));
        p.put("model.norm.weight", tmp.ones(new Shape(4)));
        return new ParameterOnlyModel(Device.cpu(), p);
    }

    @Test
    void randomScoresCoverEveryParameterReproduciblyInUnitInterval() {
        try (ParameterOnlyModel model = model();
                ImportanceScores a = new RandomImportanceEstimator(7).estimate(model, ImportanceContext.none());
                ImportanceScores b = new RandomImportanceEstimator(7).estimate(model, ImportanceContext.none());
                ImportanceScores c = new RandomImportanceEstimator(8).estimate(model, ImportanceContext.none())) {
            assertThat(a.shapes()).isEqualTo(NeuronMask.shapesOf(model.parameters()));
            assertThat(a.device()).isEqualTo(model.device());
            assertThat(a.size()).isEqualTo(16 * 4 + 8 * 4 + 4);
            for (String name : a.names()) {
                float[] va = a.get(name).toFloatArray();
                assertThat(va).containsExactly(b.get(name).toFloatArray());
                assertThat(va).isNotEqualTo(c.get(name).toFloatArray());
                for (float v : va) {
                    assertThat(v).isGreaterThanOrEqualTo(0f).isLessThan(1f);
                }
            }
            // A top-k over random scores is a mask of the exact size.
            assertThat(MaskSelector.globalTopK(0.25).select(a).selectedCount()).isEqualTo(25);
        }
    }

    @Test
    void saveAndLoadRoundTripBitForBit() throws IOException {
        Path file = dir.resolve("scores.alloscores");
        try (ParameterOnlyModel model = model();
                ImportanceScores scores = new RandomImportanceEstimator(3).estimate(model, ImportanceContext.none())) {
            scores.get("model.norm.weight").set(new float[] {-0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 1e-30f});
            scores.save(file);
            try (ImportanceScores loaded = ImportanceScores.load(file, Device.cpu())) {
                assertThat(loaded.names()).isEqualTo(scores.names());
                for (String name : scores.names()) {
                    assertThat(loaded.get(name).getShape()).isEqualTo(scores.get(name).getShape());
                    assertThat(loaded.get(name).getDataType()).isEqualTo(DataType.FLOAT32);
                    assertThat(bits(loaded.get(name))).containsExactly(bits(scores.get(name)));
                }
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void corruptedAndTruncatedFilesAreRejected() throws IOException {
        Path file = dir.resolve("scores.alloscores");
        try (ParameterOnlyModel model = model();
                ImportanceScores scores = new RandomImportanceEstimator(3).estimate(model, ImportanceContext.none())) {
            scores.save(file);
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10; // somewhere in the float data
        Files.write(file, bytes);
        assertThatThrownBy(() -> ImportanceScores.load(file, Device.cpu()))
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("scores file " + file + " is corrupted: CRC32 checksum mismatch");
        Files.write(file, java.util.Arrays.copyOf(bytes, 40));
        assertThatThrownBy(() -> ImportanceScores.load(file, Device.cpu()))
                .isInstanceOf(AlloException.class)
                .hasMessage("scores file " + file + " is corrupted: the file is truncated");
    }

    @Test
    void badScoresAreRejected() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> ints = new LinkedHashMap<>();
            ints.put("w", manager.create(new int[] {1, 2}));
            assertThatThrownBy(() -> ImportanceScores.of(ints))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("importance scores for tensor 'w' must be float32, got int32");
            assertThatThrownBy(() -> ImportanceScores.of(Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("importance scores must cover at least one tensor, got none");
        }
        try (ParameterOnlyModel model = model()) {
            assertThatThrownBy(() -> ImportanceContext.none().warmUp(model))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no warm-up training");
            ImportanceScores scores = new RandomImportanceEstimator(1).estimate(model, ImportanceContext.none());
            scores.close();
            assertThatThrownBy(() -> scores.get("model.norm.weight"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("importance scores are closed");
        }
    }

    static int[] bits(NDArray a) {
        float[] f = a.toFloatArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }
}
