package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.AlloException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a log at a step keeps the complete lines up to it, atomically; appends go after them. */
class JsonLinesLogTest {
    @TempDir
    Path dir;

    private static String line(long step) {
        return "{\"stage\":\"s\",\"step\":" + step + ",\"loss\":0.5}";
    }

    @Test
    void keepsCompleteLinesUpToTheStepAndDropsATornLastLine() throws Exception {
        Path file = dir.resolve("m.jsonl");
        Files.writeString(file, line(1) + "\n" + line(2) + "\n" + line(3) + "\n" + "{\"stage\":\"s\",\"st");
        try (JsonLinesLog log = JsonLinesLog.open(file, 2)) {
            assertThat(log.keptSteps()).containsExactly(1L, 2L);
            log.append(JsonLinesLog.putMetrics(JsonLinesLog.line().put("step", 3),
                    java.util.Map.of("loss", Double.NaN)));
        }
        assertThat(Files.readAllLines(file)).containsExactly(line(1), line(2), "{\"step\":3,\"loss\":\"NaN\"}");
        assertThat(CheckpointFixture.siblings(dir)).containsExactly("m.jsonl");
    }

    @Test
    void aCompleteLineWithoutItsNewlineIsDroppedSoTheNextLineDoesNotJoinIt() throws Exception {
        Path file = dir.resolve("e.jsonl");
        Files.writeString(file, line(0) + "\n" + line(2));
        try (JsonLinesLog log = JsonLinesLog.open(file, 2)) {
            assertThat(log.keptSteps()).containsExactly(0L);
            log.append(JsonLinesLog.line().put("step", 2));
        }
        assertThat(Files.readAllLines(file)).containsExactly(line(0), "{\"step\":2}");
    }

    @Test
    void minusOneStartsAnewAndAMissingFileIsCreated() throws Exception {
        Path file = dir.resolve("sub/n.jsonl");
        try (JsonLinesLog log = JsonLinesLog.open(file, -1)) {
            assertThat(log.keptSteps()).isEmpty();
        }
        assertThat(Files.readAllLines(file)).isEqualTo(List.of());
        Files.writeString(file, line(0) + "\n" + line(1) + "\n");
        try (JsonLinesLog log = JsonLinesLog.open(file, -1)) {
            assertThat(log.keptSteps()).isEmpty();
        }
        assertThat(Files.size(file)).isZero();
    }

    @Test
    void aDamagedCompleteLineIsAnErrorNamingTheFileAndLine() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, line(1) + "\nnot json\n" + line(2) + "\n");
        assertThatThrownBy(() -> JsonLinesLog.open(file, 5)).isInstanceOf(AlloException.class)
                .hasMessageContaining("bad.jsonl line 2");
        assertThat(Files.readString(file)).contains("not json"); // untouched
    }
}
