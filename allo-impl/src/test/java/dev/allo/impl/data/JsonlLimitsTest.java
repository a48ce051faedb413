package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.MalformedDataException;
import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.SkippedLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lines beyond Jackson's read constraints and strings with unpaired surrogates are malformed lines like any other:
 * named by file and line, and skipped (not fatal) with skip-bad-lines.
 */
class JsonlLimitsTest {
    private static final String GOOD = "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}";

    @TempDir
    Path dir;

    private Path file(String... lines) throws Exception {
        Path f = dir.resolve("data.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void deepNestingFailsWithFileAndLine() throws Exception {
        Path f = file(GOOD, "{\"prompt\":" + "[".repeat(1_001) + "]".repeat(1_001) + "}");
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(f, ReadOptions.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(f + ":2: invalid JSON: Document nesting depth (1001)");
    }

    @Test
    void constraintViolationsAreSkippedLineByLine() throws Exception {
        Path f = file("{\"prompt\":" + "[".repeat(1_001) + "]".repeat(1_001) + "}", GOOD,
                "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"id\":" + "1".repeat(1_001) + "}", GOOD);
        try (JsonlPreferenceReader r = JsonlPreferenceReader.open(f, ReadOptions.defaults().withSkipBadLines(true))) {
            List<PreferenceExample> read = new ArrayList<>();
            r.forEachRemaining(read::add);
            assertThat(read).hasSize(2);
            assertThat(r.report().skipped()).extracting(SkippedLine::line).containsExactly(1L, 3L);
        }
    }

    @Test
    void unpairedSurrogateIsRefusedWithFileLineAndField() throws Exception {
        Path f = file(GOOD, "{\"prompt\":\"p\",\"chosen\":\"ok \\ud83d\\ude42\",\"rejected\":\"r \\ud800 x\"}");
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(f, ReadOptions.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessage(f + ":2: field 'rejected': unpaired UTF-16 surrogate U+D800 at character 2; expected"
                        + " Unicode text (a \\u escape of a surrogate must be followed by its pair)");
    }

    @Test
    void surrogatesInMessagesAndMetadataAreFoundAndSkipped() throws Exception {
        Path f = file("{\"prompt\":[{\"role\":\"user\",\"content\":\"\\udc00\"}],\"chosen\":\"c\",\"rejected\":\"r\"}",
                "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"meta\":{\"k\":[\"a\",\"\\udbff\"]}}", GOOD);
        try (JsonlPreferenceReader r = JsonlPreferenceReader.open(f, ReadOptions.defaults().withSkipBadLines(true))) {
            List<PreferenceExample> read = new ArrayList<>();
            r.forEachRemaining(read::add);
            assertThat(read).hasSize(1);
            assertThat(r.report().skipped()).extracting(SkippedLine::line).containsExactly(1L, 2L);
            assertThat(r.report().skipped().get(0).field()).hasValue("prompt[0].content");
            assertThat(r.report().skipped().get(1).field()).hasValue("meta.k[1]");
        }
    }

    @Test
    void pairedSurrogatesAreKept() throws Exception {
        Path f = file("{\"prompt\":\"p\",\"chosen\":\"\\ud83d\\ude42\",\"rejected\":\"r\"}");
        assertThat(JsonlPreferenceReader.readAll(f, ReadOptions.defaults()).get(0).chosen()).isEqualTo("\ud83d\ude42");
    }
}
