package dev.allo.examples.ila;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.mask.NeuronMask;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The experiment end to end at toy size: every output exists, parses and is consistent with the masks used. */
class LayerSignificanceExperimentTest {
    @TempDir
    static Path dir;

    private static ExperimentReport report;
    private static JsonNode json;

    @BeforeAll
    static void runToy() throws Exception {
        report = LayerSignificanceExperiment.run(ExperimentOptions.toy(dir));
        json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    }

    @Test
    void everyVariantRanForEverySeedWithValidAccuracy() {
        assertThat(json.get("runs")).hasSize(LayerSignificanceExperiment.VARIANTS.size() * 2);
        Set<String> seen = new HashSet<>();
        for (JsonNode run : json.get("runs")) {
            seen.add(run.get("variant").asText() + "/" + run.get("seed").asLong());
            assertThat(run.get("accuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(run.get("trainable").asLong()).isPositive().isLessThanOrEqualTo(run.get("total").asLong());
        }
        assertThat(seen).hasSize(LayerSignificanceExperiment.VARIANTS.size() * 2);
        for (String v : LayerSignificanceExperiment.VARIANTS) {
            JsonNode summary = json.get("summary").get(v);
            assertThat(summary.get("accuracy").get("n").asInt()).isEqualTo(2);
            assertThat(summary.get("accuracy").get("mean").asDouble()).isEqualTo(report.accuracy(v).mean());
        }
    }

    @Test
    void trainableCountsAreThoseOfTheSavedMasks() {
        long total = report.runs().get(0).total();
        int m = report.matrices();
        assertThat(m).isEqualTo(7); // one block: q, k, v, o, gate, up, down
        for (VariantRun run : report.runs()) {
            assertThat(run.total()).isEqualTo(total);
            Path seedDir = dir.resolve("seed-" + run.seed());
            switch (run.variant()) {
                case "full" -> assertThat(run.trainable()).isEqualTo(total);
                case "ila-freeze" -> {
                    NeuronMask mask = NeuronMask.load(seedDir.resolve("ila-freeze.mask"));
                    assertThat(run.trainable()).isEqualTo(mask.selectedCount()).isLessThan(total);
                    // ceil(0.25 * 7) = 2 matrices frozen, every other tensor fully trainable
                    assertThat(fullyFrozenMatrices(mask)).hasSize(2);
                }
                case "ila-top", "random-top" -> {
                    NeuronMask mask = NeuronMask.load(seedDir.resolve(run.variant() + ".mask"));
                    assertThat(run.trainable()).isEqualTo(mask.selectedCount());
                    // ceil(0.30 * 7) = 3 matrices trained, nothing else
                    List<String> trained = mask.tensorNames().stream().filter(n -> mask.selectedCount(n) > 0).toList();
                    assertThat(trained).hasSize(3).allMatch(n -> n.startsWith("model.layers.") && mask.isFull(n));
                }
                default -> throw new AssertionError("unexpected variant " + run.variant());
            }
        }
    }

    @Test
    void ilaTopTrainsTheMostSignificantMatricesOfItsSeed() {
        for (JsonNode ila : json.get("significance")) {
            if (!ila.get("task").asText().equals(LayerSignificanceExperiment.TASK)) {
                continue;
            }
            List<String> topThree = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                topThree.add(ila.get("ranked").get(i).get("name").asText());
            }
            NeuronMask mask = NeuronMask.load(dir.resolve("seed-" + ila.get("seed").asLong()).resolve("ila-top.mask"));
            List<String> trained = mask.tensorNames().stream().filter(n -> mask.selectedCount(n) > 0).toList();
            assertThat(trained).containsExactlyInAnyOrderElementsOf(topThree);
        }
    }

    @Test
    void significanceTablesHeatMapsAndOverlapsAreWritten() throws Exception {
        assertThat(json.get("significance")).hasSize(4); // task and variant, two seeds
        for (JsonNode ila : json.get("significance")) {
            assertThat(ila.get("ranked")).hasSize(7);
            double previous = Double.POSITIVE_INFINITY;
            for (JsonNode e : ila.get("ranked")) {
                assertThat(e.get("logit").asDouble()).isLessThanOrEqualTo(previous);
                previous = e.get("logit").asDouble();
            }
            assertThat(ila.get("warmUpSteps").asLong()).isBetween(1L, 2L);
            Path seedDir = dir.resolve("seed-" + ila.get("seed").asLong());
            String task = ila.get("task").asText();
            assertThat(Files.readString(seedDir.resolve("significance-" + task + ".md")))
                    .startsWith("| rank | matrix |");
            BufferedImage png = ImageIO.read(seedDir.resolve("significance-" + task + ".png").toFile());
            assertThat(png).isNotNull();
            assertThat(png.getWidth()).isEqualTo(640);
        }
        JsonNode overlap = json.get("overlap");
        assertThat(overlap.get("h").asInt()).isEqualTo(3);
        assertThat(overlap.get("random").asDouble()).isEqualTo(3 / 7.0);
        assertThat(overlap.get("taskVsVariant")).hasSize(2);
        assertThat(overlap.get("taskAcrossSeeds")).hasSize(1);
        for (JsonNode v : overlap.get("taskVsVariant")) {
            // |T_3(a) ∩ T_3(b)| / 3 is one of 0, 1/3, 2/3, 1
            assertThat(v.asDouble() * 3).isCloseTo(Math.rint(v.asDouble() * 3), Offset.offset(1e-9));
        }
        String md = Files.readString(dir.resolve("results.md"));
        assertThat(md).contains("| full |", "| ila-freeze |", "| ila-top |", "| random-top |",
                "## Layer significance, task, seed 1", "## Top-H overlap", "Wall time");
        assertThat(dir.resolve("base/model/config.json")).isRegularFile();
        assertThat(dir.resolve("seed-2/ila-top/sft/metrics.jsonl")).isRegularFile();
    }

    private static List<String> fullyFrozenMatrices(NeuronMask mask) {
        return mask.tensorNames().stream().filter(n -> mask.selectedCount(n) == 0).toList();
    }
}
