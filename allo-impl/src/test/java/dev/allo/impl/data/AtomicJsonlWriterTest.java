package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.RewriteQuadruple;
import dev.allo.data.PromptTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicJsonlWriterTest {

    @TempDir
    Path dir;

    @Test
    void aFailureMidWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("data.jsonl");
        JsonlPreferenceWriter.writeAll(file, List.of(PreferenceExample.of("old", "c", "r")));
        String before = Files.readString(file);
        assertThatThrownBy(() -> {
            try (JsonlPreferenceWriter w = JsonlPreferenceWriter.open(file)) {
                w.write(PreferenceExample.of("new", "c", "r"));
                throw new IllegalStateException("simulated failure");
            }
        }).hasMessage("simulated failure");
        assertThat(Files.readString(file)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void nothingAppearsWithoutCommitAndWritesAfterCommitFail() {
        Path file = dir.resolve("never.jsonl");
        try (AtomicJsonlWriter w = AtomicJsonlWriter.open(file)) {
            w.write(Map.of("a", 1));
        }
        assertThat(file).doesNotExist();
        try (AtomicJsonlWriter w = AtomicJsonlWriter.open(file)) {
            w.write(Map.of("a", 1));
            w.commit();
            assertThatThrownBy(() -> w.write(Map.of("a", 2))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("after commit()");
        }
        assertThat(file).hasContent("{\"a\":1}");
    }

    @Test
    void writesRewriterTrainingDataInPromptCompletionForm() throws IOException {
        Path file = dir.resolve("rewriter.jsonl");
        RewriteQuadruple q = new RewriteQuadruple("P", "S", "W", "C", Optional.empty());
        JsonlPreferenceWriter.writeSupervised(file,
                RewriteQuadruple.toSupervised(List.of(q), PromptTemplate.solutionRewriting()));
        String line = Files.readString(file).strip();
        assertThat(line).startsWith("{\"prompt\":\"Given the problem").endsWith("\"completion\":\"C\"}");
        assertThat(JsonlPreferenceReader.MAPPER.readTree(line).get("prompt").asText())
                .isEqualTo(q.toSupervised(PromptTemplate.solutionRewriting()).prompt());
        assertThat(ReadOptions.defaults().skipBadLines()).isFalse();
    }
}
