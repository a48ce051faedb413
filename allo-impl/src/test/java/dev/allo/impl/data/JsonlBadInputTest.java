package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.MalformedDataException;
import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.ReadReport;
import dev.allo.data.SkippedLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonlBadInputTest {

    private static final String GOOD = "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "malformed JSON          | {\"prompt\":\"p\",                                            | | invalid JSON",
        "not an object           | [1,2]                                                        | | expected a JSON object, got an array",
        "missing field           | {\"prompt\":\"p\",\"chosen\":\"c\"}                           | rejected | missing required field; the line has [prompt, chosen]",
        "empty field             | {\"prompt\":\"\",\"chosen\":\"c\",\"rejected\":\"r\"}        | prompt | must not be empty",
        "number instead of text  | {\"prompt\":\"p\",\"chosen\":5,\"rejected\":\"r\"}           | chosen | got a number (5)",
        "null field              | {\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":null}        | rejected | got null",
        "wrong reference type    | {\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"reference\":[1]} | reference | expected a string, got an array",
        "wrong id type           | {\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"id\":1.5} | id | expected a string or an integer, got a number (1.5)",
        "duplicate key           | {\"prompt\":\"p\",\"prompt\":\"q\",\"chosen\":\"c\",\"rejected\":\"r\"} | | Duplicate field 'prompt'",
        "trailing content        | {\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"} {}     | | invalid JSON",
        "message without content | {\"prompt\":[{\"role\":\"user\"}],\"chosen\":\"c\",\"rejected\":\"r\"} | prompt[0].content | expected a string, got nothing",
        "message not an object   | {\"prompt\":[\"hi\"],\"chosen\":\"c\",\"rejected\":\"r\"}    | prompt[0] | got a string",
        "empty message list      | {\"prompt\":[],\"chosen\":\"c\",\"rejected\":\"r\"}          | prompt | must not be empty",
        "response from the user  | {\"prompt\":\"p\",\"chosen\":[{\"role\":\"user\",\"content\":\"c\"}],\"rejected\":\"r\"} | chosen | must have role 'assistant', got 'user'",
        "two-turn prompt         | {\"prompt\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}],\"chosen\":\"c\",\"rejected\":\"r\"} | prompt | single-turn prompt must be [system,] user",
    })
    void eachBadLineIsNamedByFileLineAndField(String label, String bad, String field, String reason)
            throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, GOOD + "\n" + GOOD + "\n" + bad.strip() + "\n" + GOOD + "\n");
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(file, ReadOptions.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .satisfies(t -> {
                    MalformedDataException e = (MalformedDataException) t;
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.field()).isEqualTo(java.util.Optional.ofNullable(field));
                    assertThat(e.getMessage()).startsWith(file + ":3").contains(reason);
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "stray continuation byte, 80",
        "truncated two-byte character, C3",
        "overlong encoding of '/', C0AF",
        "encoded surrogate, EDA080",
        "beyond U+10FFFF, F4908080",
    })
    void invalidUtf8IsReportedWithLineAndByteOffset(String label, String hex) throws IOException {
        Path file = dir.resolve("utf8.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes((GOOD + "\n").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes("{\"prompt\":\"ab".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(java.util.HexFormat.of().parseHex(hex));
        bytes.writeBytes("\",\"chosen\":\"c\",\"rejected\":\"r\"}\n".getBytes(StandardCharsets.UTF_8));
        Files.write(file, bytes.toByteArray());
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(file, ReadOptions.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(file + ":2: invalid UTF-8 at byte 13 of the line");
    }

    @Test
    void skippingBadLinesReportsHowManyAndWhich() throws IOException {
        Path file = dir.resolve("mixed.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String[] lines = {
            "{\"prompt\":\"p1\",\"chosen\":\"c1\",\"rejected\":\"r1\"}",
            "{not json",
            "{\"prompt\":\"p3\",\"chosen\":\"c3\"}",
            "{\"prompt\":\"p4\",\"chosen\":\"c4\",\"rejected\":\"r4\"}",
        };
        for (String l : lines) {
            bytes.writeBytes((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
        bytes.writeBytes(new byte[] {'{', (byte) 0xFF, '}', '\n'});
        bytes.writeBytes("{\"prompt\":\"p6\",\"chosen\":\"c6\",\"rejected\":\"r6\"}".getBytes(StandardCharsets.UTF_8));
        Files.write(file, bytes.toByteArray());

        List<PreferenceExample> read = new ArrayList<>();
        ReadReport report;
        try (JsonlPreferenceReader r = JsonlPreferenceReader.open(file, ReadOptions.defaults().withSkipBadLines(true))) {
            r.forEachRemaining(read::add);
            report = r.report();
        }
        assertThat(read).extracting(PreferenceExample::prompt).containsExactly("p1", "p4", "p6");
        assertThat(report.lines()).isEqualTo(6);
        assertThat(report.examples()).isEqualTo(3);
        assertThat(report.skipped()).extracting(SkippedLine::line).containsExactly(2L, 3L, 5L);
        assertThat(report.skipped().get(0).reason()).startsWith("invalid JSON");
        assertThat(report.skipped().get(1).field()).contains("rejected");
        assertThat(report.skipped().get(2).reason()).contains("invalid UTF-8").contains("0xFF");
        assertThat(report.summary()).contains("3 skipped").contains("line 3 field 'rejected': missing required");
    }

    @Test
    void aMissingFileIsAnAlloException() {
        assertThatThrownBy(() -> JsonlPreferenceReader.open(dir.resolve("nope.jsonl")))
                .isInstanceOf(dev.allo.AlloException.class).hasMessageContaining("nope.jsonl");
    }

    @Test
    void aFileWithNoPairsIsAnErrorNamingTheFile() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(empty, ReadOptions.defaults()))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("empty.jsonl")
                .hasMessageContaining("holds no preference pairs (0 lines, 0 skipped");
        Path allBad = Files.writeString(dir.resolve("bad.jsonl"), "\n{not json\n  \n");
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(allBad, ReadOptions.defaults().withSkipBadLines(true)))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("bad.jsonl")
                .hasMessageContaining("1 skipped as malformed");
    }
}
