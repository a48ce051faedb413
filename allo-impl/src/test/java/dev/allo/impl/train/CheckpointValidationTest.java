package dev.allo.impl.train;

import static dev.allo.impl.train.CheckpointFixture.ADAMW;
import static dev.allo.impl.train.CheckpointFixture.mask;
import static dev.allo.impl.train.CheckpointFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint is restored only when every field and every byte checks out; nothing is restored otherwise. */
class CheckpointValidationTest {
    @TempDir
    static Path shared;
    private static Path original;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCheckpoint() {
        original = CheckpointFixture.checkpointAt(shared.resolve("ckpt"), 2); // epoch 0, next batch 2
    }

    private Path tampered(String name, Consumer<ObjectNode> edit) {
        Path copy = dir.resolve(name);
        CheckpointFixture.copy(original, copy);
        CheckpointFixture.reseal(copy, edit);
        return copy;
    }

    /** Resumes into a fresh model and checks that the error left its weights untouched. */
    private static void assertRefused(Path checkpoint, Class<? extends Exception> type, String... message) {
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            Map<String, float[]> before = TinyStage.weights(model);
            var thrown = assertThatThrownBy(() -> stage(model, opt).build().resume(checkpoint)).isInstanceOf(type);
            for (String m : message) {
                thrown.hasMessageContaining(m);
            }
            Map<String, float[]> after = TinyStage.weights(model);
            before.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
            assertThat(opt.stepCount()).isZero();
        }
    }

    @Test
    void anUntouchedCopyResumes() {
        Path copy = tampered("same", root -> { });
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            assertThat(stage(model, opt).build().resume(copy).stepsRun()).isEqualTo(4);
        }
    }

    @Test
    void stepsOutOfRangeAreRefused() {
        assertRefused(tampered("minus", r -> r.put("step", -1)), AlloException.class, "field 'step' is -1",
                "state.json");
        assertRefused(tampered("zero", r -> r.put("step", 0)), AlloException.class, "field 'step' is 0");
        for (int step : new int[] {40, 72}) {
            assertRefused(tampered("past" + step, r -> r.put("step", step).put("optimizerStep", step)),
                    IllegalArgumentException.class, "at step " + step, "past this stage's last step 6");
        }
        assertRefused(tampered("missing", r -> r.remove("step")), AlloException.class,
                "required field 'step' is missing");
        assertRefused(tampered("text", r -> r.put("step", "2")), AlloException.class,
                "field 'step' must be an integer");
    }

    @Test
    void aPositionOtherThanTheOneReachedAfterTheStepIsRefused() {
        assertRefused(tampered("epoch", r -> r.put("epoch", 99)), IllegalArgumentException.class, "epoch 99",
                "it is epoch 0, batch 2");
        assertRefused(tampered("batch", r -> r.put("batch", 16)), IllegalArgumentException.class, "batch 16",
                "it is epoch 0, batch 2");
        // A step that is in range but does not match the position, optimiser step and last step.
        assertRefused(tampered("step3", r -> r.put("step", 3)), IllegalArgumentException.class,
                "after step 3", "it is epoch 1, batch 0");
    }

    @Test
    void anOptimizerStepOtherThanTheStepIsRefused() {
        assertRefused(tampered("opt", r -> r.put("optimizerStep", 5)), IllegalArgumentException.class,
                "optimizerStep 5", "step 2");
    }

    @Test
    void fingerprintsOfOtherDataOrMasksAreRefused() {
        assertRefused(tampered("pairs", r -> r.put("pairs", 11)), IllegalArgumentException.class, "11 pairs");
        assertRefused(tampered("seed", r -> r.put("dataSeed", 7)), IllegalArgumentException.class, "seed 7");
        assertRefused(tampered("mask", r -> r.put("maskFingerprint", 1)), IllegalArgumentException.class,
                "another mask");
        assertRefused(tampered("ref", r -> r.putNull("referenceFingerprint")), IllegalArgumentException.class,
                "no reference log-probs");
        assertRefused(tampered("stage", r -> r.put("stage", "forget")), IllegalArgumentException.class,
                "stage 'forget'");
    }

    @Test
    void nullOrMalformedFieldsAreCleanErrorsNamingTheField() {
        assertRefused(tampered("objnull", r -> r.putNull("objectiveState")), AlloException.class,
                "field 'objectiveState' must be an object, found null");
        assertRefused(tampered("objnan", r -> r.putObject("objectiveState").putArray("mean").add("x")),
                AlloException.class, "field 'objectiveState.mean[0]' must be a finite number");
        assertRefused(tampered("last", r -> r.remove("lastStep")), AlloException.class,
                "required field 'lastStep' is missing");
        assertRefused(tampered("format", r -> r.put("format", 1)), AlloException.class, "format 1, expected 2");
    }

    @Test
    void stateTheRestoreRefusesNamesTheCheckpointAndChangesNothing() {
        assertRefused(tampered("optkind", r -> r.put("optimizer", "MaskedSgd")), IllegalArgumentException.class,
                "state.json", "optimizer state is from MaskedSgd, cannot restore it into SparseAdamW");
        assertRefused(tampered("objkey", r -> r.putObject("objectiveState").putArray("mean").add(1.0)),
                IllegalArgumentException.class, "state.json, field 'objectiveState'", "stateless");
        assertRefused(tampered("reffp", r -> r.put("referenceFingerprint", "0".repeat(64))), AlloException.class,
                "reference.reflogprobs");
    }

    @Test
    void anEditWithoutItsChecksumAndNonJsonAreCorruption() throws Exception {
        Path copy = dir.resolve("unsealed");
        CheckpointFixture.copy(original, copy);
        Path state = copy.resolve("state.json");
        java.nio.file.Files.writeString(state, java.nio.file.Files.readString(state)
                .replace("\"step\" : 2", "\"step\" : 3"));
        assertRefused(copy, AlloException.class, "is corrupted: field 'crc32'");
        java.nio.file.Files.writeString(state, "{\"format\": 2, \"step\": ");
        assertRefused(copy, AlloException.class, "is not valid JSON", "state.json");
    }

    @Test
    void longNamesAreReadWhileTrailingContentAndDeepNestingAreRefused() throws Exception {
        // An extra field whose name exceeds Jackson's default limit of 50,000 characters is read (and ignored).
        Path longName = tampered("longname", r -> r.put("n".repeat(60_000), 1));
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            assertThat(stage(model, opt).build().resume(longName).last().step()).isEqualTo(6);
        }
        Path copy = dir.resolve("trailing");
        CheckpointFixture.copy(original, copy);
        Path state = copy.resolve("state.json");
        java.nio.file.Files.writeString(state, java.nio.file.Files.readString(state) + "{}");
        assertRefused(copy, AlloException.class, "state.json is not valid JSON", "Trailing token", "at line");
        java.nio.file.Files.writeString(state, "[".repeat(2_000) + "]".repeat(2_000));
        assertRefused(copy, AlloException.class, "state.json is not valid JSON", "nesting depth");
    }

    @Test
    void aFlippedBitInTheWeightsOrOptimizerStateIsCorruption() {
        for (String file : new String[] {"model/model.safetensors", "optimizer.safetensors"}) {
            Path copy = dir.resolve(file.replace('/', '-'));
            CheckpointFixture.copy(original, copy);
            CheckpointFixture.flipBit(copy.resolve(file), -3, 5);
            assertRefused(copy, AlloException.class, file, "is corrupted: CRC32");
        }
    }

    @Test
    void nonFiniteRestoredValuesNameTheFileAndTensor() {
        for (String file : new String[] {"model/model.safetensors", "optimizer.safetensors"}) {
            Path copy = dir.resolve("nan-" + file.replace('/', '-'));
            CheckpointFixture.copy(original, copy);
            Path f = copy.resolve(file);
            long at = CheckpointFixture.dataStart(f);
            for (int bit = 0; bit < 8; bit++) {
                setBit(f, at + 3, bit, bit != 7); // little-endian float32, high byte 0x7F: sign 0, exponent 1111111
            }
            for (int bit = 0; bit < 8; bit++) {
                setBit(f, at + 2, bit, true); // exponent low bit 1, mantissa non-zero: NaN
            }
            CheckpointFixture.reseal(copy, r -> { });
            assertRefused(copy, AlloException.class, file, "tensor '", "NaN or infinite");
        }
    }

    private static void setBit(Path file, long offset, int bit, boolean value) {
        try {
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            int i = (int) offset;
            bytes[i] = (byte) (value ? bytes[i] | (1 << bit) : bytes[i] & ~(1 << bit));
            java.nio.file.Files.write(file, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
