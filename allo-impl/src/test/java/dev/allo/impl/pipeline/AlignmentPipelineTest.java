package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end on a tiny model and tiny synthetic data: the ALLO pipeline and single-stage runs. */
class AlignmentPipelineTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();

    @TempDir
    Path dir;

    private static DecoderModel tinyModel(long seed) {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(32).intermediateSize(64).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize()).build();
        return DecoderModel.random(config, Device.cpu(), seed);
    }

    /** 16 pairs: the chosen answer is the true sum, the rejected one is off by one in its last digit. */
    private static List<PreferenceExample> pairs() {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int a = i % 7 + 1;
            int b = i % 5 + 2;
            out.add(PreferenceExample.of(a + "+" + b + "=", "The answer is " + (a + b),
                    "The answer is " + (a + b + 1)).withReference("The answer is " + (a + b)));
        }
        return out;
    }

    private static TrainingConfig training(double lr, int epochs) {
        return TrainingConfig.defaults().withLearningRate(lr).withBatchSize(4, 2).withEpochs(epochs)
                .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0.0);
    }

    @Test
    void alloRunsAllThreeStagesAndTouchesOnlyEachStagesNeurons() throws Exception {
        try (DecoderModel model = tinyModel(1); DecoderModel rewriter = tinyModel(2)) {
            Snapshots snapshots = new Snapshots(model);
            AlignmentResult result = Allo.builder()
                    .model(model).tokenizer(TOKENIZER).data(pairs())
                    .locateNeurons(LocateConfig.weightDelta().withWarmUp(training(1e-3, 1)))
                    .forget(ForgetConfig.defaults().withTraining(training(1e-3, 1)))
                    .learn(LearnConfig.defaults().withNeuronRatio(0.2).withTraining(training(2e-2, 6)))
                    .rewriter(rewriter)
                    .listener(snapshots)
                    .outputDirectory(dir.resolve("run"))
                    .build().run();

            assertThat(result.stages().keySet()).containsExactly("forget", "learn");
            for (String stage : List.of("forget", "learn")) {
                NeuronMask mask = result.masks().get(stage);
                assertUnselectedBitIdentical(stage, mask, snapshots.before.get(stage), snapshots.after.get(stage));
            }
            assertThat(result.masks().get("forget").ratio()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(result.masks().get("learn").ratio()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-4));

            List<StepMetrics> learn = result.stages().get("learn").history();
            double firstLoss = learn.get(0).loss();
            double lastLoss = learn.get(learn.size() - 1).loss();
            assertThat(lastLoss).as("learning-stage loss falls").isLessThan(firstLoss);
            // 16 pairs, batch 4, one epoch: the forgetting stage's 4 steps draw StageWarnings' warning, which the
            // listener receives as well as the log; the learning stage (24 steps, a falling loss) draws none.
            assertThat(snapshots.warnings).anyMatch(w -> w.startsWith("stage 'forget' took only 4 optimiser step(s)"))
                    .noneMatch(w -> w.contains("'learn'"));
            assertThat(learn.get(learn.size() - 1).get("rewards/accuracies")).isGreaterThan(0.5);

            Path out = dir.resolve("run");
            for (String f : List.of("alignment-config.json", "importance.scores", "model/config.json",
                    "model/model.safetensors", "forget/mask.bin", "forget/metrics.jsonl", "forget/loss.png",
                    "learn/mask.bin", "learn/metrics.jsonl", "learn/loss.png", "learn/model/config.json")) {
                assertThat(out.resolve(f)).as(f).isRegularFile();
            }
            List<String> lines = Files.readAllLines(out.resolve("learn/metrics.jsonl"));
            assertThat(lines).hasSize(learn.size());
            JsonNode first = new ObjectMapper().readTree(lines.get(0));
            for (String key : List.of("stage", "step", "loss", "rewards/accuracies", "rewards/margins",
                    "logps/chosen", "logps/rejected", "logits/chosen", "logits/rejected", "learning_rate", "grad_norm", "tokens_per_second", "elapsed_seconds")) {
                assertThat(first.has(key)).as(key).isTrue();
            }
            assertThat(AlignmentConfigJson.read(out.resolve("alignment-config.json"))).isEqualTo(result.config());
            try (CausalLm reloaded = Allo.loadModel(out.resolve("model"), Device.cpu())) {
                assertThat(reloaded.parameters().get("model.norm.weight").toFloatArray())
                        .containsExactly(model.parameters().get("model.norm.weight").toFloatArray());
            }
        }
    }

    @Test
    void theRewriterCanBeTrainedByTheSameLoopFromRewriteExamples() throws Exception {
        List<dev.allo.data.RewriteQuadruple> rewrites = new ArrayList<>();
        for (PreferenceExample e : pairs()) {
            rewrites.add(new dev.allo.data.RewriteQuadruple(e.prompt(), e.chosen(), e.rejected(), e.chosen(),
                    java.util.Optional.empty()));
        }
        try (DecoderModel model = tinyModel(7)) {
            AlignmentResult result = Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .locateNeurons(LocateConfig.random(3))
                    .forget(ForgetConfig.defaults().withTraining(training(1e-3, 1)))
                    .trainRewriter(rewrites, training(1e-2, 2))
                    .rewriteTemplate(dev.allo.data.PromptTemplate.of("compact",
                            "P:{problem} S:{solution} W:{prediction} C:"))
                    .outputDirectory(dir.resolve("rw")).build().run();
            assertThat(dir.resolve("rw/rewriter/model/config.json")).isRegularFile();
            assertThat(Files.readAllLines(dir.resolve("rw/rewriter/metrics.jsonl"))).hasSize(8);
            double weighted = result.stages().get("forget").history().get(0).get("tokens/rejected_weighted_fraction");
            assertThat(weighted).isBetween(0.0, 1.0);
        }
    }

    @Test
    void plainDpoIsOneFullParameterStage() {
        try (DecoderModel model = tinyModel(3)) {
            AlignmentResult result = Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training(1e-2, 3)))
                    .outputDirectory(dir.resolve("dpo")).build().run();
            assertThat(result.masks().get("dpo").ratio()).isEqualTo(1.0);
            List<StepMetrics> h = result.stages().get("dpo").history();
            assertThat(h.get(0).loss()).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-5));
            assertThat(h.get(h.size() - 1).loss()).isLessThan(h.get(0).loss());
        }
    }

    @Test
    void aStageRunsExactlyTheStepsItsScheduleIsSizedFor() {
        // 14 pairs in batches of 4: 3 full batches per epoch; the short fourth batch would outrun the schedule.
        List<PreferenceExample> fourteen = pairs().subList(0, 14);
        TrainingConfig cosine = TrainingConfig.defaults().withLearningRate(1e-3).withBatchSize(4, 2).withEpochs(2);
        try (DecoderModel model = tinyModel(5)) {
            AlignmentResult result = Allo.builder().model(model).tokenizer(TOKENIZER).data(fourteen)
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), cosine))
                    .outputDirectory(dir.resolve("steps")).build().run();
            List<StepMetrics> h = result.stages().get("dpo").history();
            assertThat(cosine.totalSteps(14)).isEqualTo(6);
            assertThat(h).hasSize(6);
            // The last step uses the schedule's last multiplier (s = 5 steps taken of S = 6).
            assertThat(h.get(5).get(StepMetrics.LEARNING_RATE)).isCloseTo(
                    1e-3 * cosine.scheduleFor(6).multiplier(5), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void loraDpoRunsThroughThePipelineAndSavesPeftAdapters() {
        try (DecoderModel base = tinyModel(6);
                dev.allo.impl.lora.LoraModel lora = dev.allo.impl.lora.LoraModel.create(base,
                        dev.allo.impl.lora.LoraConfig.of(4, 8, List.of("q_proj", "v_proj")), 3)) {
            float[] before = base.parameters().get("model.layers.0.self_attn.q_proj.weight").toFloatArray();
            AlignmentResult result = Allo.builder().model(lora).tokenizer(TOKENIZER).data(pairs())
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training(1e-2, 2)))
                    .outputDirectory(dir.resolve("lora")).build().run();
            List<StepMetrics> h = result.stages().get("dpo").history();
            assertThat(h.get(h.size() - 1).loss()).isLessThan(h.get(0).loss());
            assertThat(base.parameters().get("model.layers.0.self_attn.q_proj.weight").toFloatArray())
                    .containsExactly(before);
            assertThat(dir.resolve("lora/model/adapter_config.json")).isRegularFile();
            assertThat(dir.resolve("lora/model/adapter_model.safetensors")).isRegularFile();
        }
    }

    @Test
    void customObjectiveScorerAndEstimatorDropIn() {
        try (DecoderModel model = tinyModel(4)) {
            boolean[] estimated = {false};
            int[] scored = {0};
            TokenScorer firstToken = new TokenScorer() {
                @Override
                public dev.allo.scorer.TokenScores score(dev.allo.data.TokenizedPair pair) {
                    scored[0]++;
                    float[] r = new float[pair.rejectedIds().length];
                    r[0] = 1f;
                    return dev.allo.scorer.TokenScores.ofRejected(r);
                }

                @Override
                public void fingerprint(dev.allo.data.Fingerprint.Builder into) {
                    into.add("scorer", "first-token/test");
                }
            };
            AlignmentResult result = Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .locateNeurons(LocateConfig.random(5))
                    .importanceEstimator((m, ctx) -> {
                        estimated[0] = true;
                        return new dev.allo.impl.importance.RandomImportanceEstimator(9).estimate(m, ctx);
                    })
                    .forget(ForgetConfig.defaults().withRewards(TokenRewards.CUSTOM).withTraining(training(1e-3, 1)))
                    .tokenScorer(firstToken)
                    .objective("forget", PreferenceObjective.of(new ObjectiveConfig.TokenNpo(0.5)))
                    .outputDirectory(dir.resolve("custom")).build().run();
            assertThat(estimated[0]).isTrue();
            assertThat(scored[0]).isEqualTo(16);
            assertThat(result.stages().get("forget").history().get(0).get("tokens/rejected_weighted_fraction"))
                    .isLessThan(0.2);
        }
    }

    @Test
    void buildFailsBeforeAnyWorkWithActionableMessages() {
        try (DecoderModel model = tinyModel(5)) {
            assertThatThrownBy(() -> Allo.builder().tokenizer(TOKENIZER).data(pairs())
                    .learn(LearnConfig.defaults()).build()).hasMessageContaining("model is not set");
            assertThatThrownBy(() -> Allo.builder().model(model).data(pairs()).build())
                    .hasMessageContaining("tokenizer is not set");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER)
                    .learn(LearnConfig.defaults()).build()).hasMessageContaining("data is not set");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .locateNeurons(LocateConfig.weightDelta()).forget(ForgetConfig.defaults()).build())
                    .hasMessageContaining("stage 'forget'").hasMessageContaining("trainRewriter(...)");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .learn(LearnConfig.defaults()).build())
                    .hasMessageContaining("stage 'learn'").hasMessageContaining("locate stage");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), TrainingConfig.defaults()))
                    .objective("dop", PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).build())
                    .hasMessageContaining("'dop'");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), TrainingConfig.defaults()))
                    .outputDirectory(dir.resolve("big")).build().run())
                    .hasMessageContaining("no full batch").hasMessageContaining("16 pairs, batchSize 32");
        }
    }

    private static void assertUnselectedBitIdentical(String stage, NeuronMask mask, Map<String, float[]> before,
            Map<String, float[]> after) {
        int changed = 0;
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            float[] b = e.getValue();
            float[] a = after.get(e.getKey());
            for (int i = 0; i < b.length; i++) {
                boolean same = Float.floatToRawIntBits(a[i]) == Float.floatToRawIntBits(b[i]);
                if (!mask.isSelected(e.getKey(), i)) {
                    assertThat(same).as("stage %s: unselected %s[%d] changed", stage, e.getKey(), i).isTrue();
                } else if (!same) {
                    changed++;
                }
            }
        }
        assertThat(changed).as("stage %s changed some selected weights", stage).isPositive();
    }

    /** Copies every parameter at the start and the end of each stage. */
    private static final class Snapshots implements TrainingListener {
        final CausalLm model;
        final Map<String, Map<String, float[]>> before = new HashMap<>();
        final Map<String, Map<String, float[]>> after = new HashMap<>();
        final List<String> warnings = new ArrayList<>();

        Snapshots(CausalLm model) {
            this.model = model;
        }

        @Override
        public void onStageStart(StageStart start) {
            before.put(start.stage(), copy());
        }

        @Override
        public void onStageEnd(StageResult result) {
            after.put(result.stage(), copy());
        }

        @Override
        public void onWarning(String warning) {
            assertThat(after).as("a warning follows its stage's end").isNotEmpty();
            warnings.add(warning);
        }

        private Map<String, float[]> copy() {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                out.put(e.getKey(), e.getValue().toFloatArray());
            }
            return out;
        }
    }
}
