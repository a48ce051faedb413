package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.importance.ImportanceScores;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run checks everything it can before its first write: a failing run leaves its output directory (and an earlier
 * run's results in it) byte for byte as it was, and no run writes into another run's directory unless told to.
 */
class RunChecksTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();

    @TempDir
    Path dir;

    private static DecoderModel tinyModel() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(1)
                .numAttentionHeads(2).numKeyValueHeads(1).vocabSize(TOKENIZER.vocabSize()).build();
        return DecoderModel.random(config, Device.cpu(), 3);
    }

    private static List<PreferenceExample> pairs(int n) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PreferenceExample.of(i + "+1=", "= " + (i + 1), "= " + (i + 2)));
        }
        return out;
    }

    private static TrainingConfig batchOf(int size) {
        return TrainingConfig.defaults().withLearningRate(1e-3).withBatchSize(size, size);
    }

    private static AlignmentBuilder allo(DecoderModel model, int pairs, Path out) {
        return Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(pairs))
                .locateNeurons(LocateConfig.weightDelta().withWarmUp(batchOf(4)))
                .forget(ForgetConfig.defaults().withRewards(TokenRewards.EDIT_DISTANCE).withTraining(batchOf(4)))
                .learn(LearnConfig.defaults().withTraining(batchOf(4))).outputDirectory(out);
    }

    /** Every file under a directory with its bytes, for before/after comparison. */
    private static Map<String, byte[]> snapshot(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
        assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
        before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
    }

    @Test
    void aWarmUpWithoutAFullBatchIsRefusedBeforeAnythingIsWritten() {
        Path out = dir.resolve("warmup");
        try (DecoderModel model = tinyModel()) {
            // The default warm-up batch is 32 pairs; 16 pairs would give 0 steps and all-zero scores.
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(16))
                    .locateNeurons(LocateConfig.weightDelta())
                    .learn(LearnConfig.defaults().withTraining(batchOf(4))).outputDirectory(out).build().run())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("locate warm-up").hasMessageContaining("16 pairs, batchSize 32")
                    .hasMessageContaining("0 optimiser steps");
        }
        assertThat(out).doesNotExist();
    }

    @Test
    void aStageWhoseLearningRateIsZeroAtEveryStepIsRefused() {
        Path out = dir.resolve("lr0");
        try (DecoderModel model = tinyModel()) {
            // One step with a warm-up of ceil(0.1 * 1) = 1 step: the only step has learning rate 0.
            TrainingConfig oneStep = batchOf(8).withSchedule(TrainingConfig.ScheduleKind.COSINE, 0.1);
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), oneStep)).outputDirectory(out)
                    .build().run()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stage 'dpo' would not change the model")
                    .hasMessageContaining("learning rate is 0 at each of its 1 optimiser steps");
        }
        assertThat(out).doesNotExist();
    }

    @Test
    void aFailingRunLeavesAnEarlierRunsResultsUntouched() throws IOException {
        Path out = dir.resolve("run");
        try (DecoderModel model = tinyModel()) {
            allo(model, 8, out).build().run();
        }
        Map<String, byte[]> before = snapshot(out);
        assertThat(before).containsKeys("alignment-config.json", "importance.scores", "forget/mask.bin");
        try (DecoderModel model = tinyModel()) {
            // 3 pairs in batches of 4: no stage has a full batch; refused before importance.scores or masks.
            assertThatThrownBy(() -> allo(model, 3, out).overwrite().build().run())
                    .hasMessageContaining("has no full batch").hasMessageContaining("3 pairs, batchSize 4");
            // Another configuration without resume or overwrite: refused, naming the way out.
            assertThatThrownBy(() -> allo(model, 8, out).seed(7).build().run())
                    .hasMessageContaining("holds another run's results").hasMessageContaining("overwrite()")
                    .hasMessageContaining("resume()");
            assertThatThrownBy(() -> allo(model, 8, out).seed(7).resume().build().run())
                    .hasMessageContaining("differs from this run's");
        }
        assertSameFiles(before, snapshot(out));
    }

    @Test
    void overwriteReplacesARunButNeverADirectoryThatHoldsNoRun() throws IOException {
        Path out = dir.resolve("replaced");
        try (DecoderModel model = tinyModel()) {
            allo(model, 8, out).build().run();
        }
        Files.writeString(out.resolve("forget/stale.txt"), "from the first run");
        try (DecoderModel model = tinyModel()) {
            allo(model, 8, out).seed(7).overwrite().build().run();
        }
        assertThat(out.resolve("forget/stale.txt")).doesNotExist();
        assertThat(AlignmentConfigJson.read(out.resolve("alignment-config.json")).seed()).isEqualTo(7);

        Path notARun = dir.resolve("notes");
        Files.createDirectories(notARun);
        Files.writeString(notARun.resolve("mine.txt"), "keep me");
        try (DecoderModel model = tinyModel()) {
            assertThatThrownBy(() -> allo(model, 8, notARun).overwrite().build().run())
                    .hasMessageContaining("holds no run").hasMessageContaining("mine.txt");
            assertThatThrownBy(() -> allo(model, 8, dir.resolve("absent")).resume().build().run())
                    .hasMessageContaining("cannot resume").hasMessageContaining("alignment-config.json");
        }
        assertThat(notARun.resolve("mine.txt")).hasContent("keep me");
        assertThat(dir.resolve("absent")).doesNotExist();
    }

    @Test
    void importanceScoresThatAreAllEqualAreRefusedAndNotSaved() {
        Path out = dir.resolve("equal");
        try (DecoderModel model = tinyModel()) {
            assertThatThrownBy(() -> allo(model, 8, out).importanceEstimator((m, context) -> {
                Map<String, NDArray> zeros = new LinkedHashMap<>();
                m.parameters().forEach((name, p) -> zeros.put(name,
                        m.manager().zeros(p.getShape(), DataType.FLOAT32)));
                return ImportanceScores.of(zeros);
            }).build().run()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("importance scores").hasMessageContaining("equals 0.0")
                    .hasMessageContaining("first weights in model order");
        }
        assertThat(out.resolve("importance.scores")).doesNotExist();
        assertThat(out.resolve("forget/mask.bin")).doesNotExist();
    }

    @Test
    void partsThatNoStageUsesAreErrors() {
        TokenScorer scorer = TokenScorer.editDistance();
        try (DecoderModel model = tinyModel()) {
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), batchOf(4)))
                    .tokenScorer(scorer).build())
                    .hasMessageContaining("tokenScorer(...) was given, but no stage uses it")
                    .hasMessageContaining("TokenRewards.CUSTOM").hasMessageContaining("dpo=NONE");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), batchOf(4)))
                    .rewriter(model).build())
                    .hasMessageContaining("rewriter(...) was given, but no stage uses it");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), batchOf(4)))
                    .importanceEstimator((m, c) -> null).build())
                    .hasMessageContaining("no locate stage");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(8))
                    .locateNeurons(LocateConfig.weightDelta().withWarmUp(batchOf(4)))
                    .forget(ForgetConfig.defaults().withTraining(batchOf(4))).build())
                    .hasMessageContaining("rewriter(...)").hasMessageContaining("CUSTOM with tokenScorer(...)");
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(List.of())
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), batchOf(4))).build())
                    .hasMessageContaining("data is empty");
            assertThatThrownBy(() -> allo(model, 8, dir.resolve("both")).resume().overwrite().build())
                    .hasMessageContaining("exclude each other");
        }
    }
}
