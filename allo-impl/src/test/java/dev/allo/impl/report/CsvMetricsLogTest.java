package dev.allo.impl.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.AlloException;
import dev.allo.train.StepMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvMetricsLogTest {
    @TempDir
    Path dir;

    private static StepMetrics row(long step, Map<String, Double> extra) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", 1.0 / step);
        m.putAll(extra);
        m.put("step", (double) step);
        m.put("epoch", (double) (step / 4));
        return new StepMetrics("s", step, (int) (step / 4), m);
    }

    @Test
    void headerIsTheUnionAndALateMetricWidensEveryRow() throws Exception {
        Path file = dir.resolve("metrics.csv");
        try (CsvMetricsLog log = CsvMetricsLog.open(file, -1)) {
            log.append(row(2, Map.of("learning_rate", 1e-5)));
            log.append(row(4, Map.of("learning_rate", 2e-5, "eval,odd\"name", Double.NaN)));
            log.append(row(6, Map.of()));
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).containsExactly(
                "step,epoch,loss,learning_rate,\"eval,odd\"\"name\"",
                "2,0,0.5,1.0E-5,",
                "4,1,0.25,2.0E-5,NaN",
                "6,1,0.16666666666666666,,");
        assertThat(CsvMetricsLog.parseHeader(lines.get(0)))
                .containsExactly("step", "epoch", "loss", "learning_rate", "eval,odd\"name");
        assertThat(Double.parseDouble("0.16666666666666666")).isEqualTo(1.0 / 6);
    }

    @Test
    void reopeningAtAStepKeepsTheHeaderAndCompleteRowsUpToIt() throws Exception {
        Path file = dir.resolve("metrics.csv");
        try (CsvMetricsLog log = CsvMetricsLog.open(file, -1)) {
            for (long step = 1; step <= 5; step++) {
                log.append(row(step, Map.of()));
            }
        }
        Files.writeString(file, "6,1,0.1", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        try (CsvMetricsLog log = CsvMetricsLog.open(file, 3)) {
            assertThat(log.lastStep()).isEqualTo(3);
            assertThat(log.columns()).containsExactly("step", "epoch", "loss");
            log.append(row(4, Map.of()));
        }
        assertThat(Files.readAllLines(file)).containsExactly("step,epoch,loss", "1,0,1.0", "2,0,0.5",
                "3,0,0.3333333333333333", "4,1,0.25");
        try (CsvMetricsLog log = CsvMetricsLog.open(file, -1)) {
            assertThat(log.lastStep()).isZero();
        }
        assertThat(Files.readString(file)).isEmpty();
    }

    @Test
    void aRowWithoutAStepNumberIsNamed() throws Exception {
        Path file = dir.resolve("metrics.csv");
        Files.writeString(file, "step,epoch,loss\nx,0,1.0\n");
        assertThatThrownBy(() -> CsvMetricsLog.open(file, 3)).isInstanceOf(AlloException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("line 2").hasMessageContaining("'x'");
    }
}
