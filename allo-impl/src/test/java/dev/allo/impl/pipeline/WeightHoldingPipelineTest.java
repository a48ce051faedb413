package dev.allo.impl.pipeline;

import static dev.allo.impl.NamedTensors.weightBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.train.MemoryEstimator;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.pipeline.WeightStorage;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline holds the scalars no stage trains in 16 bits (AlignmentConfig.weightStorage): automatically for a
 * BF16 checkpoint, where the run then computes exactly what it computes in float32; explicitly otherwise; refused
 * before anything is written when it would hold nothing.
 */
class WeightHoldingPipelineTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();
    private static final DecoderConfig CONFIG = DecoderConfig.builder().modelType("qwen2").hiddenSize(16)
            .intermediateSize(32).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2)
            .tieWordEmbeddings(true).vocabSize(TOKENIZER.vocabSize()).build();
    /** Unclipped (maxGradNorm 0): see the equality claimed by the first test. */
    private static final TrainingConfig TRAINING = new TrainingConfig(TrainingConfig.OptimizerKind.SPARSE_ADAMW,
            1e-2, TrainingConfig.ScheduleKind.CONSTANT, 0.0, 0.01, 0.0, 4, 2, 1, 0);

    @TempDir
    Path dir;

    private static List<PreferenceExample> pairs() {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            out.add(PreferenceExample.of("q" + i + "=", "yes " + i, "no, " + (7 * i)));
        }
        return out;
    }

    private Path bf16Checkpoint() {
        Path input = dir.resolve("input");
        try (DecoderModel random = DecoderModel.random(CONFIG, Device.cpu(), 5)) {
            DecoderCheckpoints.save(random, input, SafetensorsDtype.BF16);
        }
        return input;
    }

    /** A learning stage (DPO on a random 10% mask) and a second stage (SFT on a random 5% mask). */
    private AlignmentBuilder run(DecoderModel model, String name, WeightStorage storage) {
        return Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs()).weightStorage(storage)
                .stage(StageConfig.of("learn", ObjectiveConfig.Dpo.defaults(), TRAINING)
                        .withMask(MaskRule.of(MaskRule.Kind.RANDOM, 0.10)))
                .stage(StageConfig.of("sft", new ObjectiveConfig.Sft(), TRAINING)
                        .withMask(MaskRule.of(MaskRule.Kind.RANDOM, 0.05)))
                .outputDirectory(dir.resolve(name));
    }

    /**
     * The claim: for a BF16 checkpoint the held run's model equals the float32 run's bit for bit, when gradients
     * are not clipped (with clipping the global norm is summed per master vector instead of over the gathered
     * selection, so the clip factor may differ in its last bit); every scalar outside both masks keeps the bits it
     * was loaded with.
     */
    @Test
    void aBf16CheckpointIsHeldAutomaticallyAndTrainsExactlyAsInFloat32() {
        Path input = bf16Checkpoint();
        try (DecoderModel held = DecoderCheckpoints.load(input, Device.cpu());
                DecoderModel float32 = DecoderCheckpoints.load(input, Device.cpu())) {
            Map<String, int[]> loaded = weightBits(held);
            AlignmentResult heldResult = run(held, "auto", WeightStorage.AUTO).build().run();
            AlignmentResult float32Result = run(float32, "float32", WeightStorage.FLOAT32).build().run();
            assertThat(held.halfWeights()).hasSize(CONFIG.parameterShapes().size());
            assertThat(float32.halfWeights()).isEmpty();
            Map<String, int[]> after = weightBits(held);
            assertThat(after).containsExactlyEntriesOf(weightBits(float32));
            NeuronMask learn = heldResult.masks().get("learn");
            NeuronMask sft = heldResult.masks().get("sft");
            assertThat(learn).isEqualTo(float32Result.masks().get("learn"));
            long moved = 0;
            for (String name : CONFIG.parameterShapes().keySet()) {
                int[] was = loaded.get(name);
                for (int i = 0; i < was.length; i++) {
                    if (!learn.isSelected(name, i) && !sft.isSelected(name, i)) {
                        assertThat(after.get(name)[i]).as("%s[%d] is trained by no stage", name, i)
                                .isEqualTo(was[i]);
                    } else if (after.get(name)[i] != was[i]) {
                        moved++;
                    }
                }
            }
            assertThat(moved).isGreaterThan(learn.selectedCount() / 2);
        }
    }

    @Test
    void thePlanCountsTheHeldWeightsTheMastersAndTheirGradients() {
        Path input = bf16Checkpoint();
        try (DecoderModel model = DecoderCheckpoints.load(input, Device.cpu())) {
            MemoryPlan held = run(model, "plan", WeightStorage.AUTO).build().memoryPlan();
            MemoryPlan float32 = run(model, "plan", WeightStorage.FLOAT32).build().memoryPlan();
            double union = 0.10 + 0.05; // the stages' ratios summed: at least their union
            MemoryEstimator.ModelShape shape = MemoryPlanner.shape(model).heldInHalf(CONFIG, union);
            long n = 0;
            for (var s : CONFIG.parameterShapes().values()) {
                n += s.size();
            }
            long masters = (long) Math.ceil(union * n);
            assertThat(shape.weightBytes()).isEqualTo(2 * n + 8 * masters);
            for (int stage = 0; stage < 2; stage++) {
                assertThat(held.stages().get(stage).weights()).isEqualTo(2 * n + 8 * masters);
                assertThat(held.stages().get(stage).gradients()).isEqualTo(4 * masters);
                assertThat(float32.stages().get(stage).weights()).isEqualTo(4 * n);
                assertThat(float32.stages().get(stage).gradients()).isEqualTo(4 * n);
            }
            // the learning stage's 10% is 2/3 of the masters: sparse AdamW keeps 12 bytes per selected master
            assertThat(held.stages().get(0).optimizerState())
                    .isEqualTo(MemoryEstimator.optimizerBytes(shape, TrainingConfig.OptimizerKind.SPARSE_ADAMW,
                            0.10 / union));
        }
    }

    @Test
    void explicitHalfStorageThatWouldHoldNothingIsRefusedBeforeAnythingIsWritten() {
        Path input = bf16Checkpoint();
        Path out = dir.resolve("everything");
        try (DecoderModel model = DecoderCheckpoints.load(input, Device.cpu())) {
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .weightStorage(WeightStorage.BF16)
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), TRAINING))
                    .outputDirectory(out).build().run()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("weightStorage BF16").hasMessageContaining("stage 'dpo'")
                    .hasMessageContaining("every weight").hasMessageContaining("nothing saved");
            try (LoraModel lora = LoraModel.create(model, LoraConfig.of(2, 4.0, List.of(LoraConfig.ALL_LINEAR)), 1)) {
                assertThatThrownBy(() -> Allo.builder().model(lora).tokenizer(TOKENIZER).data(pairs())
                        .weightStorage(WeightStorage.F16)
                        .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), TRAINING)
                                .withMask(MaskRule.of(MaskRule.Kind.RANDOM, 0.10)))
                        .outputDirectory(out).build().run()).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("weightStorage F16").hasMessageContaining("LoraModel");
            }
        }
        assertThat(Files.exists(out)).isFalse();
    }
}
