package dev.allo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.cli.config.ConfigFileReader;
import dev.allo.cli.config.RunConfigs;
import dev.allo.cli.config.ScaleDefaults;
import dev.allo.cli.config.Settings;
import dev.allo.impl.pipeline.AlignmentConfigJson;
import dev.allo.mask.NeuronMask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command end to end, in this JVM, on a tiny random checkpoint and 8 pairs: {@code align} on its defaults
 * (the run's saved configuration equals the one {@code --print-config} shows), {@code train}, {@code locate},
 * {@code eval}, {@code score}, {@code generate}, {@code export}, and conversational data through the model's chat
 * template.
 */
class CommandsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path model;
    static Path data;

    @BeforeAll
    static void inputs() {
        model = TinyCheckpoint.write(dir.resolve("model"), 3);
        data = TinyCheckpoint.pairs(dir.resolve("prefs.jsonl"), 8);
    }

    private static CliRunner.Result ok(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertThat(r.code()).as("%s%nstdout: %s%nstderr: %s", List.of(args), r.out(), r.err()).isZero();
        return r;
    }

    @Test
    void alignRunsAlloOnItsDefaultsAndSavesTheConfigurationItPrinted() {
        Path run = dir.resolve("runs/align");
        String[] args = {"align", "--model", model.toString(), "--data", data.toString(), "--output", run.toString()};
        String printed = ok(concat(args, "--print-config")).out();
        CliRunner.Result r = ok(args);
        assertThat(r.out()).contains("forget", "learn", "Model:");
        for (String file : List.of("model/config.json", "model/model.safetensors", "model/tokenizer.json",
                "importance.scores", "forget/mask.bin", "forget/metrics.jsonl", "learn/mask.bin",
                "learn/metrics.jsonl")) {
            assertThat(run.resolve(file)).as(file).isRegularFile();
        }
        var saved = AlignmentConfigJson.read(run.resolve("alignment-config.json"));
        var shown = RunConfigs.align(Settings.of(ConfigFileReader.parse(printed, "printed", false)),
                new ScaleDefaults(1, 1), false);
        assertThat(saved).isEqualTo(shown);
        assertThat(saved.stages().get(1).training().epochs()).isEqualTo(2); // a small model: two epochs of learning
    }

    @Test
    void planPrintsTheMemoryPlanOfEachStageAndWritesNothing() {
        String[] inputs = {"--model", model.toString(), "--data", data.toString()};
        String align = ok(concat(new String[] {"plan"}, inputs)).out();
        assertThat(align).startsWith("memory plan on ").contains("forget", "learn").endsWith("fits" + System
                .lineSeparator());
        String train = ok(concat(concat(new String[] {"plan"}, inputs), "--run", "train", "--set",
                "loss_type=ipo")).out();
        assertThat(train).contains("  ipo ").doesNotContain("forget");
    }

    @Test
    void trainRunsOneStageOfTheChosenLoss() {
        Path run = dir.resolve("runs/ipo");
        CliRunner.Result r = ok("train", "--model", model.toString(), "--data", data.toString(), "--output",
                run.toString(), "--set", "loss_type=ipo", "--set", "per_device_train_batch_size=4", "--set",
                "gradient_accumulation_steps=1", "--set", "num_train_epochs=1");
        assertThat(r.out()).contains("ipo      2 steps");
        assertThat(run.resolve("ipo/metrics.jsonl")).isRegularFile();
        assertThat(run.resolve("model/config.json")).isRegularFile();
    }

    @Test
    void locateWritesScoresAndTheMaskOfTheRatio() {
        Path run = dir.resolve("runs/locate");
        ok("locate", "--model", model.toString(), "--data", data.toString(), "--output", run.toString(), "--ratio",
                "0.25");
        NeuronMask mask = NeuronMask.load(run.resolve("mask.bin"));
        assertThat((double) mask.selectedCount() / mask.size()).isCloseTo(0.25, org.assertj.core.data.Offset
                .offset(1.0 / mask.size() + 1e-9));
        assertThat(run.resolve("mask.safetensors")).isRegularFile();
    }

    @Test
    void evalReportsAccuracyAndLikelihoodWithAndWithoutAReference() throws Exception {
        Path other = TinyCheckpoint.write(dir.resolve("other"), 4);
        for (boolean withReference : new boolean[] {false, true}) {
            String[] args = {"eval", "--model", other.toString(), "--data", data.toString()};
            JsonNode report = JSON.readTree(ok(withReference ? concat(args, "--reference", model.toString())
                    : args).out());
            assertThat(report.get("pairs").asInt()).isEqualTo(8);
            double accuracy = report.get("metrics").get("rewards/accuracies").asDouble();
            assertThat(accuracy * 8).isCloseTo(Math.rint(accuracy * 8), org.assertj.core.data.Offset.offset(1e-6));
            assertThat(report.get("metrics").get("logps/chosen").asDouble()).isNegative();
        }
    }

    @Test
    void scoreWritesEachRejectedTokensRewardFromTheRewriter() throws Exception {
        Path out = dir.resolve("scores.jsonl");
        ok("score", "--rewriter", model.toString(), "--data", data.toString(), "--output", out.toString(), "--set",
                "forget.reward_threshold=0.5");
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(8);
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            int tokens = n.get("tokens").size();
            assertThat(n.get("rewards").size()).isEqualTo(tokens).isEqualTo(n.get("probabilities").size());
            for (int j = 0; j < tokens; j++) {
                double p = n.get("probabilities").get(j).asDouble();
                assertThat(p).isBetween(0.0, 1.0);
                assertThat(n.get("rewards").get(j).asDouble()).isEqualTo(p < 0.5 ? 1.0 : 0.0); // Eq. (5)
            }
        }
    }

    @Test
    void generateAndExportWork() throws Exception {
        ok("generate", "--model", model.toString(), "--prompt", "1 + 2 = ?", "--max-new-tokens", "4");
        Path exported = dir.resolve("exported");
        ok("export", "--model", model.toString(), "--output", exported.toString(), "--dtype", "bf16");
        assertThat(JSON.readTree(exported.resolve("config.json").toFile()).get("torch_dtype").asText())
                .isEqualTo("bfloat16");
        assertThat(exported.resolve("tokenizer.json")).isRegularFile();
    }

    @Test
    void conversationsAreRenderedWithTheModelsChatTemplateUnlessTold() throws Exception {
        Path chat = TinyCheckpoint.write(dir.resolve("chat-model"), 5);
        Files.writeString(chat.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\","
                + " \"pad_token\": \"<pad>\", \"chat_template\": \"{% for m in messages %}<s>{{ m.role }}: "
                + "{{ m.content }}</s>{% endfor %}{% if add_generation_prompt %}<s>assistant: {% endif %}\"}");
        Path conversations = Files.writeString(dir.resolve("chat.jsonl"),
                "{\"chosen\": [{\"role\": \"user\", \"content\": \"2+2?\"},"
                        + " {\"role\": \"assistant\", \"content\": \"4\"}],"
                        + " \"rejected\": [{\"role\": \"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\","
                        + " \"content\": \"5\"}]}\n");
        CliRunner.Result byTemplate = ok("eval", "--model", chat.toString(), "--data", conversations.toString());
        assertThat(byTemplate.err()).contains("conversations: chat template");
        CliRunner.Result byPaper = ok("eval", "--model", chat.toString(), "--data", conversations.toString(),
                "--prompt-template", "downstream");
        assertThat(byPaper.err()).contains("conversations: single-turn template");
        assertThat(JSON.readTree(byTemplate.out()).get("metrics").get("logps/chosen").asDouble())
                .isNotEqualTo(JSON.readTree(byPaper.out()).get("metrics").get("logps/chosen").asDouble());
    }

    private static String[] concat(String[] args, String... more) {
        String[] out = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, out, args.length, more.length);
        return out;
    }
}
