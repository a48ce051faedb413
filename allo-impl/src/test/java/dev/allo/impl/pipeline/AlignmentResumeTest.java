package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.data.RewriteQuadruple;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
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
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    @TempDir
    Path dir;

    private static DecoderModel model() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize()).build();
        return DecoderModel.random(config, Device.cpu(), 11);
    }

    private static List<PreferenceExample> pairs(int n, int offset) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = offset; i < offset + n; i++) {
            out.add(PreferenceExample.of("q" + i + ":", "yes " + i, "no " + (i + 1)));
        }
        return out;
    }

    private static AlignmentBuilder allo(DecoderModel model, Path out) {
        TrainingConfig training = TrainingConfig.defaults().withLearningRate(5e-3).withBatchSize(4, 2).withEpochs(2);
        return Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8, 0))
                .locateNeurons(LocateConfig.weightDelta().withWarmUp(training.withEpochs(1)))
                .forget(ForgetConfig.defaults().withRewards(TokenRewards.EDIT_DISTANCE).withTraining(training))
                .learn(LearnConfig.defaults().withTraining(training))
                .checkpointEvery(1).outputDirectory(out);
    }

    @Test
    void aRunKilledInTheLearningStageResumesToTheUninterruptedWeights() {
        try (DecoderModel uninterrupted = model()) {
            allo(uninterrupted, dir.resolve("a")).build().run();
            try (DecoderModel killed = model()) {
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
            try (DecoderModel resumed = model()) {
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
        try (DecoderModel m = model()) {
            allo(m, dir.resolve("c")).build().run();
        }
        try (DecoderModel m = model()) {
            assertThatThrownBy(() -> allo(m, dir.resolve("c")).seed(7).resume().build().run())
                    .hasMessageContaining("differs from this run's");
        }
    }

    @Test
    void heldOutPairsAndEvaluatorsAreReportedAtStageStartsEndsAndEveryNSteps() throws Exception {
        try (DecoderModel m = model()) {
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

    private static TrainingListener killAt(String stage, long step) {
        return new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.stage().equals(stage) && m.step() == step) {
                    throw new IllegalStateException("simulated kill");
                }
            }
        };
    }

    /** The step numbers of a JSON-lines log, in file order. */
    private static List<Long> steps(Path log) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            out.add(JSON.readTree(line).get("step").longValue());
        }
        return out;
    }

    /** A metrics line without its wall-clock metrics, which differ from run to run. */
    private static List<String> withoutTimings(Path log) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            com.fasterxml.jackson.databind.node.ObjectNode node =
                    (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
            node.remove(List.of("tokens_per_second", "elapsed_seconds"));
            out.add(node.toString());
        }
        return out;
    }

    @Test
    void afterAKillTheLogsHoldEveryStepOnceAndTheEvaluationsOfAnUninterruptedRun() throws Exception {
        try (DecoderModel m = model()) {
            allo(m, dir.resolve("u")).heldOut(pairs(4, 100)).evaluateEvery(3).build().run();
        }
        try (DecoderModel m = model()) {
            assertThatThrownBy(() -> allo(m, dir.resolve("k")).heldOut(pairs(4, 100)).evaluateEvery(3)
                    .listener(killAt("learn", 3)).build().run()).hasMessageContaining("simulated kill");
        }
        // What a kill while writing the next metrics line leaves.
        Files.writeString(dir.resolve("k/learn/metrics.jsonl"), "{\"stage\":\"learn\",\"step\":4,\"loss\":0.6",
                java.nio.file.StandardOpenOption.APPEND);
        try (DecoderModel m = model()) {
            allo(m, dir.resolve("k")).heldOut(pairs(4, 100)).evaluateEvery(3).resume().build().run();
        }
        for (String stage : List.of("forget", "learn")) {
            assertThat(steps(dir.resolve("k").resolve(stage).resolve("metrics.jsonl"))).as(stage)
                    .containsExactly(1L, 2L, 3L, 4L);
            assertThat(withoutTimings(dir.resolve("k").resolve(stage).resolve("metrics.jsonl"))).as(stage)
                    .isEqualTo(withoutTimings(dir.resolve("u").resolve(stage).resolve("metrics.jsonl")));
            assertThat(Files.readAllLines(dir.resolve("k").resolve(stage).resolve("eval.jsonl"))).as(stage)
                    .isEqualTo(Files.readAllLines(dir.resolve("u").resolve(stage).resolve("eval.jsonl")));
        }
        assertThat(steps(dir.resolve("k/learn/eval.jsonl"))).containsExactly(0L, 3L, 4L);
    }

    @Test
    void resumingAFinishedRunWritesNoStepZeroEvaluationAndReportsEachStagesLastStep() throws Exception {
        AlignmentResult first;
        try (DecoderModel m = model()) {
            first = allo(m, dir.resolve("f")).heldOut(pairs(4, 100)).evaluateEvery(2).build().run();
        }
        List<String> eval = Files.readAllLines(dir.resolve("f/learn/eval.jsonl"));
        List<String> metrics = Files.readAllLines(dir.resolve("f/learn/metrics.jsonl"));
        try (DecoderModel m = model()) {
            AlignmentResult again = allo(m, dir.resolve("f")).heldOut(pairs(4, 100)).evaluateEvery(2).resume()
                    .build().run();
            for (String stage : List.of("forget", "learn")) {
                assertThat(again.stages().get(stage).stepsRun()).isZero();
                assertThat(again.stages().get(stage).last()).isEqualTo(first.stages().get(stage).last());
            }
        }
        assertThat(Files.readAllLines(dir.resolve("f/learn/eval.jsonl"))).isEqualTo(eval);
        assertThat(Files.readAllLines(dir.resolve("f/learn/metrics.jsonl"))).isEqualTo(metrics);
    }

    @Test
    void aKilledWarmUpContinuesFromItsCheckpoint() {
        try (DecoderModel uninterrupted = model()) {
            allo(uninterrupted, dir.resolve("w1")).build().run();
            try (DecoderModel killed = model()) {
                assertThatThrownBy(() -> allo(killed, dir.resolve("w2")).listener(killAt("warm-up", 1)).build()
                        .run()).hasMessageContaining("simulated kill");
            }
            List<Long> warmUpSteps = new ArrayList<>();
            TrainingListener watch = new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    if (m.stage().equals("warm-up")) {
                        warmUpSteps.add(m.step());
                    }
                }
            };
            try (DecoderModel resumed = model()) {
                allo(resumed, dir.resolve("w2")).listener(watch).resume().build().run();
                assertThat(warmUpSteps).containsExactly(2L);
                assertThat(dir.resolve("w2/locate")).doesNotExist(); // the saved scores replace its checkpoint
                for (Map.Entry<String, NDArray> e : uninterrupted.parameters().entrySet()) {
                    assertThat(resumed.parameters().get(e.getKey()).toFloatArray()).as(e.getKey())
                            .isEqualTo(e.getValue().toFloatArray());
                }
            }
        }
    }

    @Test
    void theRewriterCheckpointsAtThePlansIntervalAndLogsEachStepOnce() throws Exception {
        List<RewriteQuadruple> quads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            quads.add(new RewriteQuadruple("p" + i, "s" + i, "w" + i, "c" + i, java.util.Optional.empty()));
        }
        TrainingConfig training = TrainingConfig.defaults().withLearningRate(5e-3).withBatchSize(2, 2).withEpochs(1);
        java.util.function.Function<DecoderModel, AlignmentBuilder> build = m -> Allo.builder().model(m)
                .tokenizer(TOKENIZER).data(pairs(8, 0)).trainRewriter(quads, training)
                .stage(ForgetConfig.defaults().withRewards(TokenRewards.REWRITER).withTraining(training).toStage()
                        .withMask(dev.allo.pipeline.MaskRule.all()))
                .checkpointEvery(1).outputDirectory(dir.resolve("r"));
        try (DecoderModel m = model()) {
            assertThatThrownBy(() -> build.apply(m).listener(killAt("rewriter", 3)).build().run())
                    .hasMessageContaining("simulated kill");
        }
        List<Long> rewriterSteps = new ArrayList<>();
        TrainingListener watch = new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.stage().equals("rewriter")) {
                    rewriterSteps.add(m.step());
                }
            }
        };
        try (DecoderModel m = model()) {
            build.apply(m).listener(watch).resume().build().run();
        }
        assertThat(rewriterSteps).containsExactly(4L);
        assertThat(steps(dir.resolve("r/rewriter/metrics.jsonl"))).containsExactly(1L, 2L, 3L, 4L);
    }
}
