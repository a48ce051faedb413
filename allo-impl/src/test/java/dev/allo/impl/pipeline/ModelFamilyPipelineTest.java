package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.RopeScaling;
import dev.allo.mask.NeuronMask;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each non-LLaMA family (and LLaMA with Llama 3 rotary scaling) through the pipeline at toy size: a located DPO
 * ("learn") stage trains only the selected neurons, and the saved model reloads as the same family.
 */
class ModelFamilyPipelineTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();

    @TempDir
    Path dir;

    static Stream<DecoderConfig> configs() {
        DecoderConfig.Builder base = DecoderConfig.builder().hiddenSize(32).intermediateSize(48).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize());
        return Stream.of(
                base.modelType("llama").ropeScaling(new RopeScaling(RopeScaling.Type.LLAMA3, 8.0, 1.0, 4.0, 16))
                        .build(),
                base.modelType("mistral").ropeScaling(RopeScaling.NONE).slidingWindow(6).build(),
                base.modelType("qwen2").useSlidingWindow(true).slidingWindow(6).maxWindowLayers(1)
                        .tieWordEmbeddings(true).build(),
                base.modelType("qwen3").headDim(12).useSlidingWindow(false).slidingWindow(null)
                        .maxWindowLayers(null).tieWordEmbeddings(false).build(),
                base.modelType("gemma2").headDim(8).slidingWindow(6).tieWordEmbeddings(true).attentionBias(false)
                        .hiddenAct(null).build());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void aLocatedDpoStageTrainsOnlyTheSelectedNeurons(DecoderConfig config) {
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 4)) {
            Map<String, float[]> before = snapshot(model);
            TrainingConfig training = TrainingConfig.defaults().withLearningRate(1e-2).withBatchSize(4, 2)
                    .withEpochs(1).withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0.0);
            AlignmentResult result = Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .locateNeurons(LocateConfig.random(3))
                    .learn(LearnConfig.defaults().withNeuronRatio(0.3).withTraining(training))
                    .outputDirectory(dir.resolve(config.modelType())).build().run();
            NeuronMask mask = result.masks().get("learn");
            Map<String, float[]> after = snapshot(model);
            int changed = 0;
            for (Map.Entry<String, float[]> e : before.entrySet()) {
                float[] b = e.getValue();
                float[] a = after.get(e.getKey());
                for (int i = 0; i < b.length; i++) {
                    boolean same = Float.floatToRawIntBits(a[i]) == Float.floatToRawIntBits(b[i]);
                    if (!mask.isSelected(e.getKey(), i)) {
                        assertThat(same).as("unselected %s[%d] changed", e.getKey(), i).isTrue();
                    } else if (!same) {
                        changed++;
                    }
                }
            }
            assertThat(changed).isPositive();
            try (DecoderModel saved = dev.allo.impl.model.DecoderCheckpoints.load(
                    dir.resolve(config.modelType()).resolve("learn/model"), Device.cpu())) {
                assertThat(saved.config().family()).isEqualTo(config.family());
                assertThat(saved.config().parameterShapes()).isEqualTo(config.parameterShapes());
            }
        }
    }

    private static Map<String, float[]> snapshot(DecoderModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().toFloatArray());
        }
        return out;
    }

    private static List<PreferenceExample> pairs() {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int a = i % 7 + 1;
            int b = i % 5 + 2;
            out.add(PreferenceExample.of(a + "+" + b + "=", "The answer is " + (a + b),
                    "The answer is " + (a + b + 1)));
        }
        return out;
    }
}
