package dev.allo.impl.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.NeuronMask;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sizes declared in mask and scores files are bounded by the bytes the file holds before anything is allocated: a
 * file with a valid checksum that declares 2^31 - 1 indices, or half a billion scores, fails with the file, the
 * tensor and the byte counts (never an {@code OutOfMemoryError}).
 */
class DeclaredSizeBoundsTest {
    private static final String NAME = "w";

    @TempDir
    Path dir;

    /** Offset of the first tensor's first dimension: magic, version, count, name length, name, rank. */
    private static final int FIRST_DIM = 8 + 4 + 4 + 4 + NAME.length() + 4;

    private static void rewrite(Path file, int offset, long dim, Integer count) throws Exception {
        byte[] b = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(b);
        buf.putLong(offset, dim);
        if (count != null) {
            buf.putInt(offset + 8 + 1, count); // after the dim and the kind byte
        }
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 8);
        buf.putLong(b.length - 8, crc.getValue());
        Files.write(file, b);
    }

    @Test
    void maskDeclaringMoreIndicesThanTheFileHoldsFailsBeforeAllocating() throws Exception {
        Path file = dir.resolve("m.mask");
        NeuronMask.builder().add(NAME, new Shape(16), new int[] {1, 5, 9}).build().save(file);
        rewrite(file, FIRST_DIM, Integer.MAX_VALUE, Integer.MAX_VALUE);
        assertThatThrownBy(() -> NeuronMask.load(file))
                .isInstanceOf(AlloException.class)
                .hasMessage("mask file " + file + " is corrupted: it declares the 2147483647 selected indices of"
                        + " tensor 'w' (8589934588 bytes), but only 12 bytes of the file remain before its checksum (the file"
                        + " is truncated or the size is wrong)");
    }

    @Test
    void maskWithACountThatFitsStillLoads() throws Exception {
        Path file = dir.resolve("ok.mask");
        NeuronMask.builder().add(NAME, new Shape(16), new int[] {1, 5, 9}).build().save(file);
        assertThat(NeuronMask.load(file).selectedCount()).isEqualTo(3);
    }

    @Test
    void scoresDeclaringMoreValuesThanTheFileHoldsFailBeforeAllocating() throws Exception {
        Path file = dir.resolve("s.scores");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put(NAME, m.ones(new Shape(4)));
            try (ImportanceScores s = ImportanceScores.of(arrays)) {
                s.save(file);
            }
        }
        rewrite(file, FIRST_DIM, (1L << 29) - 1, null);
        assertThatThrownBy(() -> ImportanceScores.load(file, Device.cpu()).close())
                .isInstanceOf(AlloException.class)
                .hasMessage("scores file " + file + " is corrupted: it declares the 536870911 float32 values of"
                        + " tensor 'w' (2147483644 bytes), but only 16 bytes of the file remain before its checksum (the file is"
                        + " truncated or the size is wrong)");
        assertThat(new String(Files.readAllBytes(file), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("ALLOSCOR");
    }
}
