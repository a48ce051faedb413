package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.AlloException;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.AlloPresets;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.ReportTarget;
import dev.allo.pipeline.ReportingConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.pipeline.WeightStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlignmentConfigJsonTest {
    @TempDir
    Path dir;

    @Test
    void presetsAndEveryObjectiveRoundTrip() {
        for (AlignmentConfig preset : List.of(AlloPresets.questionAnswering(), AlloPresets.mathematicalReasoning(),
                AlloPresets.instructionFollowing())) {
            assertThat(AlignmentConfigJson.parse(AlignmentConfigJson.toJson(preset), "test")).isEqualTo(preset);
        }
        List<ObjectiveConfig> objectives = List.of(ObjectiveConfig.Dpo.defaults(), ObjectiveConfig.TokenDpo.defaults(),
                ObjectiveConfig.TokenNpo.defaults(), ObjectiveConfig.ConservativeDpo.defaults(),
                ObjectiveConfig.Ipo.defaults(), ObjectiveConfig.RDpo.defaults(), ObjectiveConfig.SimPo.defaults(),
                ObjectiveConfig.Npo.defaults(), ObjectiveConfig.Hinge.defaults(), ObjectiveConfig.BcoPair.defaults(),
                new ObjectiveConfig.Sft(), ObjectiveConfig.WithSft.of(ObjectiveConfig.Dpo.defaults()));
        AlignmentConfig config = AlignmentConfig.of(LocateConfig.accumulatedGradient(), List.of());
        int i = 0;
        for (ObjectiveConfig o : objectives) {
            config = config.withStage(new StageConfig("s" + i++, o,
                    MaskRule.of(MaskRule.Kind.PER_TENSOR_TOP_K, 0.3).including("model.layers.*").excluding("*norm*"),
                    TokenRewards.EDIT_DISTANCE, 0.9, TrainingConfig.defaults().withMaxSteps(7)));
        }
        AlignmentConfig back = AlignmentConfigJson.parse(AlignmentConfigJson.toJson(config), "test");
        assertThat(back).isEqualTo(config);
    }

    @Test
    void fileRoundTripIsAtomicAndReadable() {
        Path file = dir.resolve("run.json");
        AlignmentConfigJson.write(AlloPresets.questionAnswering(), file);
        assertThat(AlignmentConfigJson.read(file)).isEqualTo(AlloPresets.questionAnswering());
        assertThat(dir.resolve("run.json.tmp")).doesNotExist();
    }

    @Test
    void badFilesNameTheSourceAndTheProblem() throws Exception {
        String json = AlignmentConfigJson.toJson(AlloPresets.questionAnswering());
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("\"seed\"", "\"sead\""), "run.json"))
                .isInstanceOf(AlloException.class).hasMessageContaining("run.json").hasMessageContaining("'seed'");
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("\"ratio\" : 0.05", "\"ratio\" : 1.5"),
                "run.json")).isInstanceOf(AlloException.class)
                .hasMessageContaining("neuronRatio must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("token_npo", "tokn_npo"), "run.json"))
                .isInstanceOf(AlloException.class).hasMessageContaining("tokn_npo");
        assertThatThrownBy(() -> AlignmentConfigJson.parse("{", "run.json"))
                .isInstanceOf(AlloException.class).hasMessageContaining("run.json");
        assertThatThrownBy(() -> AlignmentConfigJson.read(dir.resolve("missing.json")))
                .isInstanceOf(AlloException.class).hasMessageContaining("missing.json");
        Files.writeString(dir.resolve("x.json"), "[]");
        assertThatThrownBy(() -> AlignmentConfigJson.read(dir.resolve("x.json")))
                .isInstanceOf(AlloException.class).hasMessageContaining("x.json");
    }

    @Test
    void reportingSettingsRoundTripAndOldFilesWithoutThemReadWithTheDefaults() {
        AlignmentConfig config = AlloPresets.questionAnswering().withReporting(new ReportingConfig(5, 50, 2,
                EnumSet.of(ReportTarget.CSV, ReportTarget.TENSORBOARD)));
        String json = AlignmentConfigJson.toJson(config);
        assertThat(json).contains("\"reportTo\" : [ \"CSV\", \"TENSORBOARD\" ]");
        assertThat(AlignmentConfigJson.parse(json, "test")).isEqualTo(config);

        String old = AlignmentConfigJson.toJson(AlloPresets.questionAnswering());
        int at = old.indexOf(",\n  \"reporting\"");
        assertThat(at).isPositive();
        String withoutReporting = old.substring(0, at) + "\n}";
        assertThat(withoutReporting).doesNotContain("reporting");
        AlignmentConfig read = AlignmentConfigJson.parse(withoutReporting, "old.json");
        assertThat(read).isEqualTo(AlloPresets.questionAnswering());
        assertThat(read.reporting()).isEqualTo(ReportingConfig.defaults());
    }

    @Test
    void badReportingValuesNameTheSource() {
        String json = AlignmentConfigJson.toJson(AlloPresets.questionAnswering());
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("\"loggingSteps\" : 10",
                "\"loggingSteps\" : 0"), "run.json")).isInstanceOf(AlloException.class)
                .hasMessageContaining("run.json").hasMessageContaining("logging_steps");
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("\"JSONL\"", "\"WANDB\""), "run.json"))
                .isInstanceOf(AlloException.class).hasMessageContaining("run.json").hasMessageContaining("WANDB");
    }

    @Test
    void gradientCheckpointingRoundTripsAndDefaultsToOffInOlderFiles() {
        AlignmentConfig on = AlignmentConfig.of(LocateConfig.weightDelta(), List.of(StageConfig.of("dpo",
                ObjectiveConfig.Dpo.defaults(), TrainingConfig.defaults().withGradientCheckpointing(true))));
        String json = AlignmentConfigJson.toJson(on);
        assertThat(json).contains("\"gradientCheckpointing\" : true");
        assertThat(AlignmentConfigJson.parse(json, "test")).isEqualTo(on);
        // A file written before the field existed: no gradientCheckpointing anywhere.
        String older = json.replaceAll(",\\s*\"gradientCheckpointing\" : (true|false)", "");
        assertThat(older).doesNotContain("gradientCheckpointing");
        AlignmentConfig read = AlignmentConfigJson.parse(older, "older.json");
        assertThat(read.stages().get(0).training().gradientCheckpointing()).isFalse();
        assertThat(read.stages().get(0).training()).isEqualTo(on.stages().get(0).training()
                .withGradientCheckpointing(false));
        assertThat(read.locate()).isEqualTo(on.locate());
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("\"batchSize\"", "\"batchSise\""),
                "run.json")).isInstanceOf(AlloException.class).hasMessageContaining("batchSise");
    }

    @Test
    void weightStorageRoundTripsAndDefaultsToAutoInOlderFiles() {
        AlignmentConfig f16 = AlloPresets.questionAnswering().withWeightStorage(WeightStorage.F16);
        String json = AlignmentConfigJson.toJson(f16);
        assertThat(json).contains("\"weightStorage\" : \"F16\"");
        assertThat(AlignmentConfigJson.parse(json, "test")).isEqualTo(f16);
        String older = json.replace(",\n  \"weightStorage\" : \"F16\"", "");
        assertThat(older).doesNotContain("weightStorage").contains("reporting");
        assertThat(AlignmentConfigJson.parse(older, "older.json").weightStorage()).isEqualTo(WeightStorage.AUTO);
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("\"F16\"", "\"FP8\""), "run.json"))
                .isInstanceOf(AlloException.class).hasMessageContaining("run.json").hasMessageContaining("FP8");
    }
}
