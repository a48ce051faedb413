package dev.allo.impl.train;

import static dev.allo.impl.train.CheckpointFixture.ADAMW;
import static dev.allo.impl.train.CheckpointFixture.mask;
import static dev.allo.impl.train.CheckpointFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.AlloException;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.train.StageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a kill at each point of a checkpoint write leaves behind, laid out by hand from real checkpoints of steps 2
 * and 3, and what {@link StageCheckpoint#recover} makes of it.
 */
class CheckpointRecoveryTest {
    @TempDir
    static Path shared;
    private static Path step2;
    private static Path step3;
    private static Map<String, float[]> uninterrupted;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCheckpoints() {
        step2 = CheckpointFixture.checkpointAt(shared.resolve("two"), 2);
        step3 = CheckpointFixture.checkpointAt(shared.resolve("three"), 3);
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            stage(model, opt).build().run();
            uninterrupted = TinyStage.weights(model);
        }
    }

    private static long step(Path checkpoint) {
        return StageCheckpoint.readVerified(checkpoint).step();
    }

    private static void assertResumesToTheUninterruptedWeights(Path checkpoint) {
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            stage(model, opt).build().resume(checkpoint);
            Map<String, float[]> resumed = TinyStage.weights(model);
            uninterrupted.forEach((k, v) -> assertThat(resumed.get(k)).as(k).isEqualTo(v));
        }
    }

    @Test
    void aKillBetweenTheTwoRenamesRecoversTheNewerCompleteCheckpoint() {
        CheckpointFixture.copy(step2, dir.resolve(".ckpt.old-1/c"));
        CheckpointFixture.copy(step3, dir.resolve(".ckpt.tmp-1"));
        Path ckpt = dir.resolve("ckpt");
        assertThat(StageCheckpoint.recover(ckpt)).contains(ckpt.toAbsolutePath());
        assertThat(step(ckpt)).isEqualTo(3);
        assertThat(CheckpointFixture.siblings(dir)).containsExactly("ckpt");
        assertResumesToTheUninterruptedWeights(ckpt);
    }

    @Test
    void aCompleteTemporaryCheckpointNewerThanTheOneInPlaceWins() {
        CheckpointFixture.copy(step2, dir.resolve("ckpt"));
        CheckpointFixture.copy(step3, dir.resolve(".ckpt.tmp-1"));
        assertThat(StageCheckpoint.recover(dir.resolve("ckpt"))).isPresent();
        assertThat(step(dir.resolve("ckpt"))).isEqualTo(3);
        assertThat(CheckpointFixture.siblings(dir)).containsExactly("ckpt");
    }

    @Test
    void aKillAfterTheNewRenameKeepsItAndDeletesTheOldOne() {
        CheckpointFixture.copy(step3, dir.resolve("ckpt"));
        CheckpointFixture.copy(step2, dir.resolve(".ckpt.old-1/c"));
        assertThat(StageCheckpoint.recover(dir.resolve("ckpt"))).isPresent();
        assertThat(step(dir.resolve("ckpt"))).isEqualTo(3);
        assertThat(CheckpointFixture.siblings(dir)).containsExactly("ckpt");
    }

    @Test
    void aTemporaryCheckpointWithoutItsStateIsIncompleteAndDeleted() throws Exception {
        CheckpointFixture.copy(step2, dir.resolve("ckpt"));
        CheckpointFixture.copy(step3, dir.resolve(".ckpt.tmp-1"));
        Files.delete(dir.resolve(".ckpt.tmp-1/state.json")); // killed before state.json was written
        assertThat(StageCheckpoint.recover(dir.resolve("ckpt"))).isPresent();
        assertThat(step(dir.resolve("ckpt"))).isEqualTo(2);
        assertThat(CheckpointFixture.siblings(dir)).containsExactly("ckpt");

        Path alone = dir.resolve("alone");
        CheckpointFixture.copy(step3, alone.resolve(".ckpt.tmp-2"));
        Files.delete(alone.resolve(".ckpt.tmp-2/state.json"));
        assertThat(StageCheckpoint.recover(alone.resolve("ckpt"))).isEmpty();
        assertThat(CheckpointFixture.siblings(alone)).isEmpty();
        assertThat(StageCheckpoint.recover(dir.resolve("nothing"))).isEmpty();
    }

    @Test
    void aTemporaryCheckpointWithATruncatedFileIsIncomplete() throws Exception {
        CheckpointFixture.copy(step2, dir.resolve("ckpt"));
        CheckpointFixture.copy(step3, dir.resolve(".ckpt.tmp-1"));
        Path weights = dir.resolve(".ckpt.tmp-1/model/model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThat(StageCheckpoint.recover(dir.resolve("ckpt"))).isPresent();
        assertThat(step(dir.resolve("ckpt"))).isEqualTo(2);
    }

    @Test
    void aCorruptedCheckpointWithNothingToFallBackOnIsAnError() {
        CheckpointFixture.copy(step3, dir.resolve("ckpt"));
        CheckpointFixture.flipBit(dir.resolve("ckpt/optimizer.safetensors"), -1, 0);
        assertThatThrownBy(() -> StageCheckpoint.recover(dir.resolve("ckpt"))).isInstanceOf(AlloException.class)
                .hasMessageContaining("no usable checkpoint").hasMessageContaining("optimizer.safetensors");
        assertThat(dir.resolve("ckpt")).exists();
    }

    @Test
    void writingACheckpointRemovesLeftoversOfEarlierKills() throws Exception {
        Path parent = dir.resolve("run");
        CheckpointFixture.copy(step2, parent.resolve(".ckpt.old-7/c"));
        Files.createDirectories(parent.resolve(".ckpt.tmp-7/model"));
        CheckpointFixture.checkpointAt(parent.resolve("ckpt"), 1);
        assertThat(CheckpointFixture.siblings(parent)).containsExactly("ckpt");
    }

    @Test
    void aStageRestoredFromItsLastCheckpointReportsItsLastStep() {
        Path last = CheckpointFixture.checkpointAt(dir.resolve("six"), 6);
        double lastLoss;
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            lastLoss = stage(model, opt).build().run().last().loss();
        }
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            StageResult r = stage(model, opt).build().resume(last);
            assertThat(r.stepsRun()).isZero();
            assertThat(r.history()).isEmpty();
            assertThat(r.steps()).isEqualTo(6);
            assertThat(r.last().step()).isEqualTo(6);
            assertThat(r.last().epoch()).isEqualTo(1);
            assertThat(r.last().loss()).isEqualTo(lastLoss);
            Map<String, float[]> resumed = TinyStage.weights(model);
            uninterrupted.forEach((k, v) -> assertThat(resumed.get(k)).as(k).isEqualTo(v));
        }
    }

    @Test
    void aStageThatRequiresTheSameStartRefusesOtherStartingWeights() {
        Path checkpoint = dir.resolve("start");
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            assertThatThrownBy(() -> stage(model, opt).requireSameStart().checkpoints(checkpoint, 1)
                    .listener(CheckpointFixture.killAfter(2)).build().run())
                    .isInstanceOf(CheckpointFixture.Kill.class);
        }
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            assertThatThrownBy(() -> stage(model, opt).requireSameStart().build().resume(checkpoint))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same starting model");
        }
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            assertThat(stage(model, opt).requireSameStart().build().resume(checkpoint).stepsRun()).isEqualTo(4);
            Map<String, float[]> resumed = TinyStage.weights(model);
            uninterrupted.forEach((k, v) -> assertThat(resumed.get(k)).as(k).isEqualTo(v));
        }
    }

    @Test
    void theMetricsLogHoldsEveryStepExactlyOnceAfterKillsAndATornLine() throws Exception {
        Path log = dir.resolve("metrics.jsonl");
        Path checkpoint = dir.resolve("ckpt");
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            // checkpoints at 2 and 4; killed after step 3's line: step 3 runs again after the resume
            assertThatThrownBy(() -> stage(model, opt).metricsLog(log).checkpoints(checkpoint, 2)
                    .listener(CheckpointFixture.killAfter(3)).build().run())
                    .isInstanceOf(CheckpointFixture.Kill.class);
        }
        Files.writeString(log, Files.readString(log) + "{\"stage\":\"learn\",\"step\":4,\"lo",
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            stage(model, opt).metricsLog(log).checkpoints(checkpoint, 2).build().resume(checkpoint);
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(lines.get(i)).startsWith("{\"stage\":\"learn\",\"step\":" + (i + 1) + ",\"epoch\":");
        }
    }
}
