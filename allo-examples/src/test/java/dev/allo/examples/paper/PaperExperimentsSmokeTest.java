package dev.allo.examples.paper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.mask.NeuronMask;
import dev.allo.train.TrainingListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Figure 1 at toy size and one seed: the report, the JSON, the chart and the masks exist and say what ran. */
class PaperExperimentsSmokeTest {
    @TempDir
    Path dir;

    @Test
    void toyFigureOneWritesItsTableJsonChartAndMasks() throws Exception {
        Path out = dir.resolve("paper");
        PaperOptions options = PaperOptions.parse(new String[] {"--seeds=1", "--experiments=figure1",
            "--problems=16", "--validation=8", "--test=8", "--max-steps=1", "--hidden=32", "--layers=1",
            "--sft-epochs=1", "--samples=2", "--rewriter-epochs=1", "--dpo-epochs=1", "--batch=4", "--out=" + out},
                new Properties());
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        String markdown;
        try (PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            markdown = new PaperExperiments(options, print, new TrainingListener() {}).run();
        }

        assertThat(markdown).contains("## Figure 1 in small").contains("| DPO, top-10% neurons | ")
                .contains("| DPO, last-10% neurons | ").contains("| DPO | ").contains("| SFT model | ");
        assertThat(Files.readString(out.resolve("results.md"))).isEqualTo(markdown);
        assertThat(out.resolve("figure1-loss.png")).isNotEmptyFile();
        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(json.get("outcomes").fieldNames()).toIterable()
                .containsExactly("sft", "dpo-top10", "dpo-last10", "dpo");
        for (JsonNode perSeed : json.get("outcomes")) {
            assertThat(perSeed).hasSize(1);
            assertThat(perSeed.get(0).get("testAccuracy").asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(json.get("outcomes").get("dpo").get(0).get("losses").get("dpo")).isNotEmpty();
        Path seed = out.resolve("seed-1");
        assertThat(seed.resolve("locate-accumulated_gradient/importance.scores")).isNotEmptyFile();
        NeuronMask top = NeuronMask.load(seed.resolve("dpo-top10/dpo/mask.bin"));
        NeuronMask last = NeuronMask.load(seed.resolve("dpo-last10/dpo/mask.bin"));
        assertThat(top.ratio()).isCloseTo(0.10, Offset.offset(1e-3));
        assertThat(last.ratio()).isCloseTo(0.10, Offset.offset(1e-3));
        assertThat(NeuronMask.load(seed.resolve("dpo/dpo/mask.bin")).ratio()).isEqualTo(1.0);
        for (String name : top.tensorNames()) {
            for (int i : last.indices(name)) {
                assertThat(top.isSelected(name, i)).as("%s[%d] in both the top and the last 10%%", name, i)
                        .isFalse();
            }
        }

        // the saved models re-scored problem by problem: the same test accuracies as recorded, one row each
        String intervals = PaperIntervals.run(out, options, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        assertThat(out.resolve("intervals.md")).hasContent(intervals);
        assertThat(intervals.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| variant")))
                .extracting(l -> l.split(" \\| ")[0].substring(2))
                .containsExactly("SFT model", "DPO, top-10% neurons", "DPO, last-10% neurons", "DPO");
        assertThat(intervals).contains("| SFT model | " + percent(json, "sft") + " [");
        assertThat(intervals.lines().filter(l -> l.startsWith("| SFT model | "))).singleElement().asString()
                .contains("| - | - |");
        // a recorded accuracy the saved model does not give back is refused, naming the model
        ObjectNode edited = (ObjectNode) json.deepCopy();
        ((ObjectNode) edited.get("outcomes").get("dpo").get(0)).put("testAccuracy",
                json.get("outcomes").get("dpo").get(0).get("testAccuracy").asDouble() + 0.5);
        Files.writeString(out.resolve("results.json"), edited.toString());
        assertThatThrownBy(() -> PaperIntervals.run(out, options, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(seed.resolve("dpo").resolve("model").toString())
                .hasMessageContaining("differs from the recorded");
    }

    private static String percent(JsonNode json, String variant) {
        return String.format(java.util.Locale.ROOT, "%.1f",
                100 * json.get("outcomes").get(variant).get(0).get("testAccuracy").asDouble());
    }
}
