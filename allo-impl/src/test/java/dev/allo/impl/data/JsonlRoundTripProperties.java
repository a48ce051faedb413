package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.ReadReport;
import dev.allo.fixtures.data.DataGenerators;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlRoundTripProperties {

    @TempDir
    Path dir;

    @Test
    void everyExampleInEveryExampleOutInOrder() {
        qt().withFixedSeed(11).withExamples(60)
                .forAll(lists().of(DataGenerators.examples(12)).ofSizeBetween(0, 8))
                .checkAssert(examples -> {
                    Path file = dir.resolve("round-trip.jsonl");
                    long written = JsonlPreferenceWriter.writeAll(file, examples);
                    assertThat(written).isEqualTo(examples.size());
                    List<PreferenceExample> read;
                    ReadReport report;
                    try (JsonlPreferenceReader r = JsonlPreferenceReader.open(file)) {
                        read = new ArrayList<>();
                        r.forEachRemaining(read::add);
                        report = r.report();
                    }
                    assertThat(read).containsExactlyElementsOf(examples);
                    assertThat(report.examples()).isEqualTo(examples.size());
                    assertThat(report.lines()).isEqualTo(examples.size());
                    assertThat(report.skipped()).isEmpty();
                });
    }

    @Test
    void metadataOfEveryJsonTypeRoundTrips() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("score", 0.75);
        meta.put("rank", 3);
        meta.put("ok", true);
        meta.put("none", null);
        meta.put("tags", List.of("a", "b"));
        meta.put("nested", Map.of("x", List.of(1, 2)));
        PreferenceExample e = new PreferenceExample("p", "c", "r", Optional.of("ref"), Optional.of("7"), meta);
        Path file = dir.resolve("meta.jsonl");
        JsonlPreferenceWriter.writeAll(file, List.of(e));
        assertThat(JsonlPreferenceReader.readAll(file, ReadOptions.defaults())).containsExactly(e);
    }

    @Test
    void toleratesCrlfByteOrderMarkBlankLinesAndIntegerIds() throws IOException {
        Path file = dir.resolve("crlf.jsonl");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String body = "{\"prompt\":\"p1\",\"chosen\":\"c1\",\"rejected\":\"r1\",\"id\":12}\r\n"
                + "\r\n   \n"
                + "{\"prompt\":\"p2\",\"chosen\":\"c2\",\"rejected\":\"r2\",\"reference\":null}";
        Files.write(file, concat(bom, body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        List<PreferenceExample> read = JsonlPreferenceReader.readAll(file, ReadOptions.defaults());
        assertThat(read).containsExactly(PreferenceExample.of("p1", "c1", "r1").withId("12"),
                PreferenceExample.of("p2", "c2", "r2"));
    }

    @Test
    void streamsLazilyAndClosesWithTheStream() {
        Path file = dir.resolve("lazy.jsonl");
        List<PreferenceExample> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(PreferenceExample.of("p" + i, "c" + i, "r" + i));
        }
        JsonlPreferenceWriter.writeAll(file, many);
        try (JsonlPreferenceReader r = JsonlPreferenceReader.open(file)) {
            assertThat(r.stream().limit(3).map(PreferenceExample::prompt).toList()).containsExactly("p0", "p1", "p2");
            assertThat(r.report().examples()).isEqualTo(3);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
