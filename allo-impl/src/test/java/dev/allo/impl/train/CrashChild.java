package dev.allo.impl.train;

import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.train.LoopConfig;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Path;

/**
 * The process {@link CrashRecoveryTest} kills: runs {@link CheckpointFixture}'s stage for 4 epochs (12 steps) with a
 * checkpoint every step and a metrics log in the directory given as the only argument, continuing from the checkpoint there if
 * {@link StageCheckpoint#recover} finds one. Prints {@code step N} after each step, and {@code done} at the end.
 */
public final class CrashChild {
    private CrashChild() {}

    /**
     * Runs or continues the stage.
     *
     * @param args the working directory
     */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        Path checkpoint = dir.resolve("checkpoint");
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(CheckpointFixture.ADAMW,
                CheckpointFixture.mask(model), model.parameters())) {
            StageTrainer trainer = CheckpointFixture.stage(model, opt).config(LoopConfig.of(4, 2, 4))
                    .checkpoints(checkpoint, 1)
                    .metricsLog(dir.resolve("metrics.jsonl")).listener(new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics metrics) {
                            System.out.println("step " + metrics.step());
                            System.out.flush();
                        }
                    }).build();
            if (StageCheckpoint.recover(checkpoint).isPresent()) {
                trainer.resume(checkpoint);
            } else {
                trainer.run();
            }
        }
        System.out.println("done");
        System.out.flush();
    }
}
