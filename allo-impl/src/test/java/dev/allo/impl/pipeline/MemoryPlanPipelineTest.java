package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.train.MemoryEstimator;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's memory plan: exposed before the run, refusing a run that cannot fit before anything is written. */
class MemoryPlanPipelineTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();

    @TempDir
    Path dir;

    private static DecoderModel tinyModel() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
                .numAttentionHeads(2).numKeyValueHeads(1).vocabSize(TOKENIZER.vocabSize()).build();
        return DecoderModel.random(config, Device.cpu(), 3);
    }

    /** {@code n} pairs whose responses are {@code length} characters (bytes: one token each). */
    private static List<PreferenceExample> pairs(int n, int length) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PreferenceExample.of(i + "=", "a".repeat(length), "b".repeat(length)));
        }
        return out;
    }

    @Test
    void thePlanMatchesTheEstimatorForEachStage() {
        try (DecoderModel model = tinyModel()) {
            TrainingConfig training = TrainingConfig.defaults().withBatchSize(4, 2).withGradientCheckpointing(true);
            MemoryPlan plan = Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8, 20))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training))
                    .stage(StageConfig.of("sft", new ObjectiveConfig.Sft(), training.withGradientCheckpointing(false)))
                    .outputDirectory(dir.resolve("run")).build().memoryPlan();
            assertThat(plan.stages()).hasSize(2);
            MemoryEstimator.ModelShape shape = MemoryPlanner.shape(model);
            // prompt "i=" after BOS (3 tokens) + 20 response tokens + EOS: 24 per sequence; DPO reads both sides
            var dpo = MemoryEstimator.estimate(shape, new MemoryEstimator.StageSettings("dpo", 4, 24, 0, true,
                    TrainingConfig.OptimizerKind.SPARSE_ADAMW, 1.0, 4L * 8 * 2 * 21));
            assertThat(plan.stages().get(0)).isEqualTo(dpo);
            // SFT reads the chosen side only and needs no reference log-probs
            var sft = MemoryEstimator.estimate(shape, new MemoryEstimator.StageSettings("sft", 2, 24, 0, false,
                    TrainingConfig.OptimizerKind.SPARSE_ADAMW, 1.0, 0));
            assertThat(plan.stages().get(1)).isEqualTo(sft);
            assertThat(plan.referenceCacheBytes()).isEqualTo(4L * 8 * 2 * 21);
            assertThat(plan.fits()).isTrue();
            assertThat(plan.advice()).isEmpty();
        }
    }

    @Test
    void aRunThatCannotFitIsRefusedBeforeAnythingIsWrittenWithTheWaysToFit() {
        Path out = dir.resolve("huge");
        try (DecoderModel model = tinyModel()) {
            // 64 pairs of 8,000-token responses in one micro-batch: 128 sequences of ~8,004 tokens, whose softmax
            // outputs alone are 2 layers x 2 heads x 8,004^2 x 128 floats ~ 131 GB.
            TrainingConfig training = TrainingConfig.defaults().withBatchSize(64, 64).withLearningRate(1e-3)
                    .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0.0);
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(64, 8_000))
                    .maxLength(9_000, 100).stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training))
                    .outputDirectory(out).build().run()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("the run would need").hasMessageContaining("memory plan on cpu()")
                    .hasMessageContaining("would fit: gradientCheckpointing").hasMessageContaining("microBatchSize 1")
                    .hasMessageContaining("maxLength").hasMessageContaining("LoRA rank 16")
                    .hasMessageContaining(AlignmentPipeline.SKIP_MEMORY_CHECK);
        }
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void checkpointingALoraModelIsRefusedBeforeAnythingIsWritten() {
        Path out = dir.resolve("lora");
        try (DecoderModel base = tinyModel();
                LoraModel lora = LoraModel.create(base, LoraConfig.of(2, 4.0, List.of(LoraConfig.ALL_LINEAR)), 1)) {
            TrainingConfig training = TrainingConfig.defaults().withBatchSize(4, 2).withGradientCheckpointing(true);
            assertThatThrownBy(() -> Allo.builder().model(lora).tokenizer(TOKENIZER).data(pairs(8, 5))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training)).outputDirectory(out)
                    .build().run()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stage 'dpo'").hasMessageContaining("LoraModel");
            // its plan counts the frozen base and the adapters as weights, and only the adapters as trainable
            MemoryPlan plan = Allo.builder().model(lora).tokenizer(TOKENIZER).data(pairs(8, 5))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training.withGradientCheckpointing(
                            false))).outputDirectory(out).build().memoryPlan();
            long adapters = 0;
            for (var a : lora.parameters().values()) {
                adapters += a.size();
            }
            assertThat(plan.stages().get(0).gradients()).isEqualTo(4 * adapters);
            // weights: the base, the adapters and, per adapted (every linear) matrix of the float32 base, the pass's
            // B A, dW and W0 + dW (Eq. M6)
            long linear = 0;
            for (var e : base.parameters().entrySet()) {
                if (e.getKey().startsWith("model.layers.") && e.getValue().getShape().dimension() == 2) {
                    linear += e.getValue().size();
                }
            }
            assertThat(plan.stages().get(0).weights())
                    .isEqualTo(MemoryPlanner.shape(base).weightBytes() + 4 * adapters + 3 * 4 * linear);
        }
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void aLoraStageIsEstimatedOnItsAdaptersAndItsBaseStorage() {
        LoraSettings attention = new LoraSettings(4, 8, 0.0, List.of("q_proj", "v_proj"),
                LoraSettings.BaseStorage.BF16);
        try (DecoderModel model = tinyModel();
                LoraModel lora = LoraModel.create(model, LoraStage.config(attention), 1)) {
            TrainingConfig training = TrainingConfig.defaults().withBatchSize(4, 2);
            MemoryPlan plan = Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8, 5))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training).withLora(attention))
                    .outputDirectory(dir.resolve("plan")).build().memoryPlan();
            long adapters = 0;
            for (var a : lora.parameters().values()) {
                adapters += a.size();
            }
            long all = 0;
            long adapted = 0;
            long heldBlocks = 0;
            for (var e : model.config().parameterShapes().entrySet()) {
                all += e.getValue().size();
                if (e.getKey().endsWith("q_proj.weight") || e.getKey().endsWith("v_proj.weight")) {
                    adapted += e.getValue().size();
                } else if (e.getKey().startsWith("model.layers.")) {
                    heldBlocks += e.getValue().size();
                }
            }
            // only the adapters train; the base in BF16 (2 bytes), and per adapted matrix the pass's float32 B A, dW,
            // widened W0 and W0 + dW (Eq. M6)
            assertThat(plan.stages().get(0).gradients()).isEqualTo(4 * adapters);
            assertThat(plan.stages().get(0).weights()).isEqualTo(2 * all + 4 * adapters + 4 * 4 * adapted);
            // the held weights outside the adapted matrices are widened where used and kept (Eq. M5, no checkpointing)
            MemoryEstimator.ModelShape shape = MemoryPlanner.loraStageShape(model, attention);
            assertThat(shape.heldBlockScalars()).isEqualTo(heldBlocks);
            assertThat(shape.heldOuterScalars()).isEqualTo(all - adapted - heldBlocks);
            assertThat(plan.stages().get(0).optimizerState()).isEqualTo(8 * adapters);
        }
    }

    @Test
    void memAvailableIsReadFromMeminfo() throws Exception {
        Path meminfo = dir.resolve("meminfo");
        Files.writeString(meminfo, "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   12345678 kB\n");
        assertThat(MemoryPlanner.memAvailable(meminfo)).isEqualTo(12_345_678L * 1024);
        Files.writeString(meminfo, "MemTotal:       24000000 kB\n");
        assertThat(MemoryPlanner.memAvailable(meminfo)).isEqualTo(-1);
        assertThat(MemoryPlanner.memAvailable(dir.resolve("absent"))).isEqualTo(-1);
    }
}
