package dev.allo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.impl.data.JsonlPreferenceReader;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.ReferenceLogProbs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code allo spark ...} in this JVM (Spark is on the test class path) in {@code local[1]}: the reference job's
 * log-probs equal the library's single-process {@link ReferenceLogProbs#compute} bit for bit, and usage and input
 * errors give the CLI's exit codes and messages. The jar without Spark is {@link AlloJarIT}'s.
 */
class SparkCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path model;
    static Path data;

    @BeforeAll
    static void inputs() {
        // Spark reads spark.* system properties: loopback only, no web UI (ports stay free for other runs).
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        System.setProperty("spark.ui.enabled", "false");
        model = TinyCheckpoint.write(dir.resolve("model"), 5);
        data = TinyCheckpoint.pairs(dir.resolve("prefs.jsonl"), 7);
    }

    @Test
    void referenceEqualsTheLibrarysSingleProcessLogProbs() throws IOException {
        Path out = dir.resolve("reference");
        CliRunner.Result r = CliRunner.run("spark", "reference", "--master", "local[1]", "--model", model.toString(),
                "--data", data.toString(), "--output", out.toString(), "--batch-size", "1", "--set",
                "max_length=64", "--set", "max_prompt_length=16");
        assertThat(r.code()).as("stdout: %s%nstderr: %s", r.out(), r.err()).isZero();
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.get("pairs").asLong()).isEqualTo(7);
        assertThat(result.get("rejects").asLong()).isZero();

        Map<Long, float[][]> job = readReference(out);
        try (LoadedModel loaded = LoadedModel.load(model, "--model", ai.djl.Device.cpu())) {
            List<PreferenceExample> examples = JsonlPreferenceReader.readAll(data, ReadOptions.defaults());
            PairEncoder encoder = new PairEncoder(loaded.tokenizer(), TruncationPolicy.of(64, 16));
            List<TokenizedPair> pairs = new ArrayList<>();
            for (int i = 0; i < examples.size(); i++) {
                pairs.add(encoder.encode(i, examples.get(i), new DropLog()).orElseThrow());
            }
            ReferenceLogProbs expected = ReferenceLogProbs.compute(loaded.model(), pairs, 1,
                    TokenLogProbs.unchunked(), PreferenceCollator.padIdFor(loaded.tokenizer()), "expected");
            assertThat(job.keySet()).hasSize(pairs.size());
            for (TokenizedPair p : pairs) {
                assertThat(job.get(p.index())[0]).as("chosen of pair %d", p.index())
                        .containsExactly(expected.chosen(p.index()));
                assertThat(job.get(p.index())[1]).as("rejected of pair %d", p.index())
                        .containsExactly(expected.rejected(p.index()));
            }
        }
    }

    @Test
    void badInputFailsWithExitCodeOneNamingTheFileAndLineWithoutAStackTrace() throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, Files.readString(data) + "{\"prompt\": \"x\", \"chosen\": 3, \"rejected\": \"y\"}\n");
        CliRunner.Result r = CliRunner.run("spark", "reference", "--master", "local[1]", "--model",
                model.toString(), "--data", bad.toString(), "--output", dir.resolve("bad-out").toString(),
                "--max-reject-fraction", "0");
        assertThat(r.code()).as(r.err()).isEqualTo(AlloCommand.FAILED);
        assertThat(r.err()).contains("allo spark reference: error: 1 of 8 rows of " + bad, "line 8",
                "field 'chosen' must be a string").doesNotContain("\tat ");
        assertThat(dir.resolve("bad-out")).doesNotExist();

        Path missing = dir.resolve("no-model");
        CliRunner.Result m = CliRunner.run("spark", "reference", "--master", "local[1]", "--model",
                missing.toString(), "--tokenizer", model.resolve("tokenizer.json").toString(), "--data",
                data.toString(), "--output", dir.resolve("no-model-out").toString());
        assertThat(m.code()).as(m.err()).isEqualTo(AlloCommand.FAILED);
        assertThat(m.err()).contains("allo spark reference: error: model path " + missing
                + " is not a readable checkpoint directory").doesNotContain("\tat ", "Driver stacktrace");
    }

    @Test
    void usageErrorsExitWithTwoAndEveryJobHasHelp() {
        for (String job : List.of("sample", "score", "reference", "evaluate")) {
            CliRunner.Result help = CliRunner.run("spark", job, "--help");
            assertThat(help.code()).isZero();
            assertThat(help.out()).contains("--output", "--master", "--batch-size", "--set");
        }
        CliRunner.Result none = CliRunner.run("spark", "evaluate", "--model", model.toString(), "--output",
                dir.resolve("never").toString());
        assertThat(none.code()).isEqualTo(AlloCommand.USAGE);
        assertThat(none.err()).contains("Missing --data or --prompts");
        CliRunner.Result typed = CliRunner.run("spark", "reference", "--model", "m", "--data", "d", "--output", "o",
                "--batch-size", "many");
        assertThat(typed.code()).isEqualTo(AlloCommand.USAGE);
        assertThat(typed.err()).contains("--batch-size");
    }

    @Test
    void theMessageWithoutSparkSaysHowToRunTheJob() {
        assertThat(SparkCommand.notOnClassPath("score")).contains("org.apache.spark.sql.SparkSession not found",
                "spark-submit --class dev.allo.cli.Main allo.jar spark score",
                "java -cp allo.jar:$SPARK_HOME/jars/* dev.allo.cli.Main spark score");
        assertThat(SparkCommand.sparkPresent()).as("Spark is on the test class path").isTrue();
    }

    /** index -> {chosen, rejected} log-probs from the job's JSONL table. */
    static Map<Long, float[][]> readReference(Path out) throws IOException {
        Map<Long, float[][]> rows = new HashMap<>();
        List<Path> parts;
        try (Stream<Path> files = Files.list(out.resolve("reference/jsonl"))) {
            parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
        }
        for (Path part : parts) {
            for (String line : Files.readAllLines(part)) {
                JsonNode n = JSON.readTree(line);
                rows.put(n.get("index").asLong(), new float[][] {floats(n.get("chosen")), floats(n.get("rejected"))});
            }
        }
        return rows;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.parseFloat(array.get(i).asText());
        }
        return out;
    }
}
