package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.train.LoopConfig;
import dev.allo.train.StageResult;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kill-and-resume: a run stopped after k steps and resumed from its checkpoint ends with the same bits. */
class StageCheckpointTest {
    private static final List<TokenizedPair> PAIRS = TinyStage.pairs(10);
    // 10 pairs, batches of 4 (3 per epoch, the last one short), 2 epochs: 6 steps crossing an epoch boundary.
    private static final LoopConfig CONFIG = LoopConfig.of(4, 2, 2);
    private static final AdamWConfig ADAMW = AdamWConfig.builder().learningRate(1e-2).weightDecay(0.01)
            .schedule(LearningRateSchedule.cosine(1, 6)).build();

    @TempDir
    Path dir;

    /** Stops the stage after a given step, as a killed process would (the step's checkpoint is already written). */
    private static final class Kill extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static StageTrainer.Builder stage(DecoderModel model, SparseAdamW opt, ObjectiveConfig objective) {
        return StageTrainer.builder().name("learn").policy(model).objective(PreferenceObjective.of(objective))
                .optimizer(opt).pairs(PAIRS).config(CONFIG).padId(TinyStage.PAD);
    }

    private static NeuronMask mask(DecoderModel model) {
        NeuronMask.Builder b = NeuronMask.builder();
        model.parameters().forEach((name, p) -> b.add(name, p.getShape(),
                java.util.stream.IntStream.range(0, (int) p.size()).filter(i -> i % 3 != 1).toArray()));
        return b.build();
    }

    private void checkResume(ObjectiveConfig objective, int killAfter) {
        Map<String, float[]> uninterrupted;
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            StageResult r = stage(model, opt, objective).build().run();
            assertThat(r.steps()).isEqualTo(6);
            uninterrupted = TinyStage.weights(model);
        }
        Path checkpoint = dir.resolve(objective.name() + "-" + killAfter);
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            TrainingListener killer = new TrainingListener() {
                @Override
                public void onStep(StepMetrics metrics) {
                    if (metrics.step() == killAfter) {
                        throw new Kill();
                    }
                }
            };
            assertThatThrownBy(stage(model, opt, objective).checkpoints(checkpoint, 1).listener(killer).build()::run)
                    .isInstanceOf(Kill.class);
        }
        // A new process: other starting weights (they are overwritten), a fresh optimiser.
        try (DecoderModel model = TinyStage.model(99); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            StageResult r = stage(model, opt, objective).build().resume(checkpoint);
            assertThat(r.history()).hasSize(6 - killAfter);
            assertThat(r.history().get(0).step()).isEqualTo(killAfter + 1);
            assertThat(opt.stepCount()).isEqualTo(6);
            Map<String, float[]> resumed = TinyStage.weights(model);
            for (String name : uninterrupted.keySet()) {
                assertThat(resumed.get(name)).as("%s after resuming at step %d", name, killAfter)
                        .isEqualTo(uninterrupted.get(name));
            }
        }
    }

    @Test
    void resumedDpoRunEqualsUninterruptedRunBitForBit() {
        checkResume(ObjectiveConfig.TokenDpo.defaults(), 2);
        checkResume(ObjectiveConfig.TokenDpo.defaults(), 4); // across the epoch boundary
    }

    @Test
    void resumedSftRunEqualsUninterruptedRunBitForBit() {
        checkResume(new ObjectiveConfig.Sft(), 3);
    }

    @Test
    void checkpointIsReplacedAtomicallyAndFinalOneWritten() throws Exception {
        Path checkpoint = dir.resolve("ckpt");
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            stage(model, opt, ObjectiveConfig.Dpo.defaults()).checkpoints(checkpoint, 4).build().run();
        }
        assertThat(StageCheckpoint.readVerified(checkpoint).step()).isEqualTo(6);
        assertThat(checkpoint.resolve("model").resolve("model.safetensors")).exists();
        assertThat(checkpoint.resolve("model").resolve("config.json")).exists();
        try (var siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("ckpt");
        }
    }

    @Test
    void checkpointOfAnotherMaskOrSeedIsRejected() {
        Path checkpoint = dir.resolve("ckpt");
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            stage(model, opt, ObjectiveConfig.Dpo.defaults()).config(CONFIG.withMaxSteps(2))
                    .checkpoints(checkpoint, 1).build().run();
        }
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, TinyStage.all(model),
                model.parameters())) {
            assertThatThrownBy(() -> stage(model, opt, ObjectiveConfig.Dpo.defaults()).build().resume(checkpoint))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another mask");
        }
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            LoopConfig otherSeed = CONFIG.withBatch(CONFIG.batch().withShuffle(true, 7));
            assertThatThrownBy(() -> stage(model, opt, ObjectiveConfig.Dpo.defaults()).config(otherSeed).build()
                    .resume(checkpoint)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seed");
        }
    }
}
