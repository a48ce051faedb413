package dev.allo.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.objective.ObjectiveConfig;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReportingConfigTest {

    @Test
    void defaultsAreTrlsLoggingIntervalAndNoNumberedCheckpoints() {
        ReportingConfig d = ReportingConfig.defaults();
        assertThat(d.loggingSteps()).isEqualTo(10);
        assertThat(d.saveSteps()).isZero();
        assertThat(d.saveTotalLimit()).isZero();
        assertThat(d.reportTo()).containsExactly(ReportTarget.JSONL);
        AlignmentConfig config = AlignmentConfig.of(null, List.of(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(),
                TrainingConfig.defaults())));
        assertThat(config.reporting()).isEqualTo(d);
        assertThat(new AlignmentConfig(null, config.stages(), 1, 64, 32, 0, null).reporting()).isEqualTo(d);
    }

    @Test
    void copiesChangeOneSettingAndKeepTheRest() {
        ReportingConfig r = ReportingConfig.defaults().withLoggingSteps(5).withSaving(100, 3)
                .withReportTo(List.of(ReportTarget.TENSORBOARD, ReportTarget.CSV));
        assertThat(r).isEqualTo(new ReportingConfig(5, 100, 3, Set.of(ReportTarget.CSV, ReportTarget.TENSORBOARD)));
        assertThat(r.reportTo()).containsExactly(ReportTarget.CSV, ReportTarget.TENSORBOARD); // enum order
        assertThat(r.reportsTo(ReportTarget.CSV)).isTrue();
        assertThat(r.reportsTo(ReportTarget.JSONL)).isFalse();
        AlignmentConfig config = AlloPresets.questionAnswering().withReporting(r);
        assertThat(config.reporting()).isEqualTo(r);
        assertThat(config.withSeed(7).reporting()).isEqualTo(r);
        assertThat(config.withLengths(128, 64).reporting()).isEqualTo(r);
    }

    @Test
    void badValuesNameTheSettingAndTheValue() {
        assertThatThrownBy(() -> new ReportingConfig(0, 0, 0, Set.of(ReportTarget.JSONL)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logging_steps")
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> ReportingConfig.defaults().withSaving(-1, 0)).hasMessageContaining("save_steps")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> ReportingConfig.defaults().withSaving(10, -2))
                .hasMessageContaining("save_total_limit").hasMessageContaining("-2");
        assertThatThrownBy(() -> ReportingConfig.defaults().withReportTo(List.of()))
                .hasMessageContaining("report_to");
        assertThatThrownBy(() -> ReportingConfig.defaults().withReportTo(EnumSet.of(ReportTarget.NONE,
                ReportTarget.CSV))).hasMessageContaining("NONE excludes");
    }

    @Test
    void reportToValuesParseAsTrlSpellsThem() {
        assertThat(ReportTarget.parse("tensorboard")).isEqualTo(ReportTarget.TENSORBOARD);
        assertThat(ReportTarget.parse(" CSV ")).isEqualTo(ReportTarget.CSV);
        assertThat(ReportTarget.parse("none")).isEqualTo(ReportTarget.NONE);
        assertThatThrownBy(() -> ReportTarget.parse("wandb")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'wandb'").hasMessageContaining("jsonl, csv, tensorboard, none");
    }
}
