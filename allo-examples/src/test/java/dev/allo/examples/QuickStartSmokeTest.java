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
import dev.allo.examples.stats.Interval;
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
            "--rewriter-epochs=1", "--dpo-epochs=1", "--batch=4", "--skill-examples=8", "--skill-test=4",
            "--methods=dpo,allo", "--out=" + out}, new Properties()); // the default task: systematic mistakes
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        QuickStartResult result;
        try (PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            result = QuickStart.run(options, print, new TrainingListener() {});
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);

        assertThat(printed.lines().filter(l -> l.matches("\\| (SFT|DPO|ALLO) \\| .*")).map(l -> l.split(" ")[1]))
                .containsExactly("SFT", "DPO", "ALLO");
        assertThat(printed).contains("Output directory: " + out.toAbsolutePath());
        // SFT, one epoch of 24 examples in batches of 4, is shorter than 10 steps: the pipeline's warning, which
        // mvn -q would drop from the log, is printed
        assertThat(printed.lines()).anyMatch(l -> l.startsWith("WARNING: stage 'sft' took only 6 optimiser step(s)"));
        assertThat(printed).containsPattern("\\d+ stage warning\\(s\\), printed above as WARNING: \\.\\.\\. lines");
        assertThat(result.rows()).extracting(QuickStartResult.Row::method).containsExactly("SFT", "DPO", "ALLO");
        for (QuickStartResult.Row row : result.rows()) {
            for (Interval i : List.of(row.testAccuracy(), row.mistakeRate(), row.skillAccuracy())) {
                assertThat(i.mean()).isBetween(0.0, 1.0);
                assertThat(i.low()).isBetween(0.0, i.mean());
                assertThat(i.high()).isBetween(i.mean(), 1.0);
            }
        }
        assertThat(result.contrasts()).extracting(c -> c.a() + "-" + c.b()).containsExactly("DPO-SFT", "ALLO-SFT",
                "ALLO-DPO");
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(results.get("task").asText()).isEqualTo("mistakes");
        JsonNode methods = results.get("methods");
        assertThat(methods).hasSize(3);
        for (int m = 0; m < 3; m++) {
            JsonNode node = methods.get(m);
            assertThat(node.get("name").asText()).isEqualTo(result.rows().get(m).method());
            for (String field : List.of("test_accuracy", "mistake_rate", "second_skill_accuracy")) {
                assertThat(node.get(field).isNumber()).as(field).isTrue();
                assertThat(node.get(field).asDouble()).as(field).isBetween(0.0, 1.0);
                assertThat(node.get(field + "_ci")).as(field).hasSize(2);
            }
            assertThat(node.get("test_accuracy").asDouble()).isEqualTo(result.rows().get(m).testAccuracy().mean());
        }
        assertThat(results.get("comparisons").get(0).get("test_accuracy_p").asDouble()).isBetween(0.0, 1.0);
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

    @Test
    void seedsRoundsAndRpoRunOnTheClassicTask() throws Exception {
        Path out = dir.resolve("classic");
        QuickStartOptions options = QuickStartOptions.parse(new String[] {"--task=classic", "--problems=12",
            "--validation=4", "--test=4", "--max-steps=1", "--hidden=16", "--layers=1", "--sft-epochs=1",
            "--samples=2", "--rewriter-epochs=1", "--dpo-epochs=1", "--batch=4", "--seeds=2", "--rounds=2",
            "--methods=rpo", "--out=" + out}, new Properties());
        QuickStartResult result;
        try (PrintStream print = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            result = QuickStart.run(options, print, new TrainingListener() {});
        }
        assertThat(result.seeds()).containsExactly(7L, 8L);
        assertThat(result.rows()).extracting(QuickStartResult.Row::method).containsExactly("SFT", "RPO (DPO+NLL)");
        assertThat(result.rows().get(0).skillAccuracy().mean()).isNaN();
        assertThat(result.contrasts()).hasSize(1);
        assertThat(result.contrasts().get(0).skillAccuracy()).isNull();
        for (long seed : List.of(7L, 8L)) {
            for (int round : List.of(1, 2)) {
                Path stage = out.resolve("seed-" + seed + "/rpo/round-" + round + "/rpo/metrics.jsonl");
                assertThat(Files.readAllLines(stage)).as(stage.toString()).isNotEmpty();
                assertThat(Files.readString(stage)).contains("nll_loss");
            }
        }
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(results.get("methods").get(0).get("second_skill_accuracy").isNull()).isTrue();
    }

    private static long changedTensors(CausalLm a, CausalLm b) {
        return a.parameters().entrySet().stream().filter(e -> {
            NDArray other = b.parameters().get(e.getKey());
            return !java.util.Arrays.equals(e.getValue().toFloatArray(), other.toFloatArray());
        }).count();
    }
}
