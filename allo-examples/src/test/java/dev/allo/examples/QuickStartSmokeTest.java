package dev.allo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.examples.quickstart.QuickStartOptions;
import dev.allo.examples.quickstart.QuickStartResult;
import dev.allo.impl.data.JsonlPreferenceReader;
import dev.allo.impl.pipeline.AlignmentConfigJson;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.train.TrainingListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick start at toy size: every output exists and parses, and the printed table has its three rows. */
class QuickStartSmokeTest {
    @TempDir
    Path dir;

    @Test
    void toyRunWritesParseableOutputsAndPrintsTheTable() throws Exception {
        Path out = dir.resolve("quickstart");
        QuickStartOptions options = QuickStartOptions.parse(new String[] {"--problems=16", "--validation=8",
            "--test=8", "--max-steps=1", "--hidden=32", "--layers=1", "--sft-epochs=1", "--samples=2",
            "--rewriter-epochs=1", "--dpo-epochs=1", "--batch=4", "--out=" + out}, new Properties());
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        QuickStartResult result;
        try (PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            result = QuickStart.run(options, print, new TrainingListener() {});
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);

        assertThat(printed.lines().filter(l -> l.matches("\\| (SFT|DPO|ALLO) \\| .*")).map(l -> l.split(" ")[1]))
                .containsExactly("SFT", "DPO", "ALLO");
        assertThat(printed).contains("Output directory: " + out.toAbsolutePath());
        assertThat(result.rows()).extracting(QuickStartResult.Row::method).containsExactly("SFT", "DPO", "ALLO");
        for (QuickStartResult.Row row : result.rows()) {
            assertThat(row.testAccuracy()).isBetween(0.0, 1.0);
        }
        assertThat(result.rows().get(0).preferenceAccuracy()).isNaN();
        assertThat(result.rows().get(1).preferenceAccuracy()).isBetween(0.0, 1.0);
        assertThat(result.rows().get(2).preferenceAccuracy()).isBetween(0.0, 1.0);
        assertThat(Files.readString(out.resolve("results.md"))).contains(result.table());

        AlignmentConfig allo = AlignmentConfigJson.read(out.resolve("allo/alignment-config.json"));
        assertThat(allo.locate()).isNotNull();
        assertThat(allo.stages()).extracting(s -> s.name()).containsExactly("forget", "learn");
        for (String run : List.of("sft", "rewriter", "dpo")) {
            assertThat(AlignmentConfigJson.read(out.resolve(run + "/alignment-config.json")).stages()).hasSize(1);
        }
        ObjectMapper json = new ObjectMapper();
        for (String stage : List.of("sft/sft", "rewriter/sft", "dpo/dpo", "allo/forget", "allo/learn")) {
            List<String> lines = Files.readAllLines(out.resolve(stage + "/metrics.jsonl"));
            assertThat(lines).as(stage).isNotEmpty();
            for (String line : lines) {
                JsonNode node = json.readTree(line);
                assertThat(node.get("loss").isNumber()).as(stage + ": " + line).isTrue();
                assertThat(Double.isFinite(node.get("loss").asDouble())).as(stage + ": " + line).isTrue();
            }
            assertThat(out.resolve(stage + "/loss.png")).isNotEmptyFile();
        }
        assertThat(NeuronMask.load(out.resolve("allo/forget/mask.bin")).ratio()).isCloseTo(0.05, Offset.offset(1e-3));
        assertThat(NeuronMask.load(out.resolve("allo/learn/mask.bin")).ratio()).isCloseTo(0.10, Offset.offset(1e-3));
        assertThat(NeuronMask.load(out.resolve("dpo/dpo/mask.bin")).ratio()).isEqualTo(1.0);

        try (JsonlPreferenceReader reader = JsonlPreferenceReader.open(out.resolve("data/train-pairs.jsonl"))) {
            List<PreferenceExample> pairs = reader.stream().toList();
            assertThat(pairs).hasSize(result.trainPairs());
            assertThat(pairs).allSatisfy(p -> assertThat(p.reference()).isPresent());
        }
        assertThat(Files.readAllLines(out.resolve("data/rewriter-sft.jsonl"))).hasSize(result.rewrites());

        try (CausalLm sft = Allo.loadModel(out.resolve("sft/model"), Device.cpu());
                CausalLm dpo = Allo.loadModel(out.resolve("dpo/model"), Device.cpu());
                CausalLm alloModel = Allo.loadModel(out.resolve("allo/model"), Device.cpu());
                CausalLm rewriter = Allo.loadModel(out.resolve("rewriter/model"), Device.cpu())) {
            for (CausalLm model : List.of(dpo, alloModel, rewriter)) {
                assertThat(model.vocabSize()).isEqualTo(sft.vocabSize());
                assertThat(changedTensors(sft, model)).as("training moved the copies of the SFT model").isPositive();
            }
        }
    }

    private static long changedTensors(CausalLm a, CausalLm b) {
        return a.parameters().entrySet().stream().filter(e -> {
            NDArray other = b.parameters().get(e.getKey());
            return !java.util.Arrays.equals(e.getValue().toFloatArray(), other.toFloatArray());
        }).count();
    }
}
