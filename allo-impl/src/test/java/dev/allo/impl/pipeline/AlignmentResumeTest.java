package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.model.LlamaConfig;
import dev.allo.impl.model.LlamaModel;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kill-and-resume of a whole ALLO run, and held-out evaluation. */
class AlignmentResumeTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();

    @TempDir
    Path dir;

    private static LlamaModel model() {
        LlamaConfig config = LlamaConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize()).build();
        return LlamaModel.random(config, Device.cpu(), 11);
    }

    private static List<PreferenceExample> pairs(int n, int offset) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = offset; i < offset + n; i++) {
            out.add(PreferenceExample.of("q" + i + ":", "yes " + i, "no " + (i + 1)));
        }
        return out;
    }

    private static AlignmentBuilder allo(LlamaModel model, Path out) {
        TrainingConfig training = TrainingConfig.defaults().withLearningRate(5e-3).withBatchSize(4, 2).withEpochs(2);
        return Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8, 0))
                .locateNeurons(LocateConfig.weightDelta().withWarmUp(training.withEpochs(1)))
                .forget(ForgetConfig.defaults().withRewards(TokenRewards.EDIT_DISTANCE).withTraining(training))
                .learn(LearnConfig.defaults().withTraining(training))
                .checkpointEvery(1).outputDirectory(out);
    }

    @Test
    void aRunKilledInTheLearningStageResumesToTheUninterruptedWeights() {
        try (LlamaModel uninterrupted = model()) {
            allo(uninterrupted, dir.resolve("a")).build().run();
            try (LlamaModel killed = model()) {
                TrainingListener kill = new TrainingListener() {
                    @Override
                    public void onStep(StepMetrics m) {
                        if (m.stage().equals("learn") && m.step() == 2) {
                            throw new IllegalStateException("simulated kill");
                        }
                    }
                };
                assertThatThrownBy(() -> allo(killed, dir.resolve("b")).listener(kill).build().run())
                        .hasMessageContaining("simulated kill");
            }
            try (LlamaModel resumed = model()) {
                AlignmentResult r = allo(resumed, dir.resolve("b")).resume().build().run();
                assertThat(r.stages().get("learn").history().get(0).step()).isEqualTo(3);
                for (Map.Entry<String, NDArray> e : uninterrupted.parameters().entrySet()) {
                    float[] want = e.getValue().toFloatArray();
                    float[] got = resumed.parameters().get(e.getKey()).toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d]", e.getKey(), i)
                                .isEqualTo(Float.floatToRawIntBits(want[i]));
                    }
                }
            }
        }
    }

    @Test
    void resumingWithAnotherConfigurationIsRefused() {
        try (LlamaModel m = model()) {
            allo(m, dir.resolve("c")).build().run();
        }
        try (LlamaModel m = model()) {
            assertThatThrownBy(() -> allo(m, dir.resolve("c")).seed(7).resume().build().run())
                    .hasMessageContaining("differs from this run's");
        }
    }

    @Test
    void heldOutPairsAndEvaluatorsAreReportedAtStageStartsEndsAndEveryNSteps() throws Exception {
        try (LlamaModel m = model()) {
            int[] calls = {0};
            allo(m, dir.resolve("e")).heldOut(pairs(4, 100)).evaluateEvery(2)
                    .evaluator(model -> Map.of("eval/custom", (double) ++calls[0])).build().run();
            List<String> lines = Files.readAllLines(dir.resolve("e/learn/eval.jsonl"));
            // 4 steps: at the start (step 0), steps 2 and 4; the end coincides with step 4.
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).contains("\"step\":0").contains("eval/rewards/accuracies").contains("eval/loss");
            assertThat(lines.get(2)).contains("\"step\":4").contains("eval/custom");
            assertThat(calls[0]).isEqualTo(6);
        }
    }
}
