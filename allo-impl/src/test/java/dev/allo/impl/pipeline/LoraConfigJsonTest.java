package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.AlloException;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.AlloPresets;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LoRA stages in the JSON configuration, and configurations written before stages had a "lora" field. */
class LoraConfigJsonTest {

    @Test
    void configsWithoutLoraFieldsStillLoadAsWeightTrainingStages() {
        AlignmentConfig preset = AlloPresets.questionAnswering();
        String json = AlignmentConfigJson.toJson(preset);
        assertThat(json).contains("\"lora\" : null");
        String old = json.replaceAll(",\\s*\"lora\" : null", ""); // the form written before LoRA stages existed
        assertThat(old).doesNotContain("lora");
        AlignmentConfig back = AlignmentConfigJson.parse(old, "old.json");
        assertThat(back).isEqualTo(preset);
        assertThat(back.stages()).allSatisfy(s -> assertThat(s.lora()).isNull());
    }

    @Test
    void loraStagesRoundTripAndBadSettingsAreNamed() {
        LoraSettings lora = new LoraSettings(4, 8, 0.05, List.of("q_proj", "v_proj"), LoraSettings.BaseStorage.BF16);
        AlignmentConfig config = AlignmentConfig.of(null, List.of(
                StageConfig.of("sft", new ObjectiveConfig.Sft(), TrainingConfig.defaults()).withLora(lora),
                StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), TrainingConfig.defaults())
                        .withLora(LoraSettings.of(2, 4, List.of(LoraSettings.ALL_LINEAR)))));
        String json = AlignmentConfigJson.toJson(config);
        assertThat(json).contains("\"targetModules\" : [ \"q_proj\", \"v_proj\" ]").contains("\"baseStorage\" : \"BF16\"");
        assertThat(AlignmentConfigJson.parse(json, "run.json")).isEqualTo(config);
        assertThatThrownBy(() -> AlignmentConfigJson.parse(json.replace("\"v_proj\"", "\"lm_head\""), "run.json"))
                .isInstanceOf(AlloException.class).hasMessageContaining("run.json")
                .hasMessageContaining("'lm_head' matches no linear module");
        assertThatThrownBy(() -> StageConfig.of("x", ObjectiveConfig.Dpo.defaults(), TrainingConfig.defaults())
                .withMask(MaskRule.topK(0.1)).withLora(lora))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 'x'")
                .hasMessageContaining("mask must be ALL");
    }
}
