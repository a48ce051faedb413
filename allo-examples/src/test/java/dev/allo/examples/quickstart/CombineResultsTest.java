package dev.allo.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.examples.task.SystematicMistake;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-problem outcomes survive results.json, and runs of separate seeds combine into one summary. */
class CombineResultsTest {
    @TempDir
    Path dir;

    private static Evaluation evaluation(double[] correct, double[] skill) {
        List<Set<SystematicMistake>> mistakes = new java.util.ArrayList<>();
        List<List<SystematicMistake>> triggered = new java.util.ArrayList<>();
        double[] mistaken = new double[correct.length];
        for (int i = 0; i < correct.length; i++) {
            boolean made = correct[i] == 0 && i % 2 == 0;
            mistaken[i] = made ? 1 : 0;
            mistakes.add(made ? Set.of(SystematicMistake.DROPPED_CARRY) : Set.of());
            triggered.add(i % 2 == 0 ? List.of(SystematicMistake.DROPPED_CARRY) : List.of());
        }
        return new Evaluation(correct, mistaken, mistakes, triggered, skill);
    }

    private Path run(long seed, Evaluation sft, Evaluation dpo) {
        return run(seed, sft, dpo, Map.of());
    }

    private Path run(long seed, Evaluation sft, Evaluation dpo, Map<String, Evaluation> more) {
        Map<String, List<Evaluation>> e = new LinkedHashMap<>();
        e.put("SFT", List.of(sft));
        e.put("DPO", List.of(dpo));
        more.forEach((name, evaluation) -> e.put(name, List.of(evaluation)));
        Map<String, List<Double>> pref = new LinkedHashMap<>();
        e.keySet().forEach(name -> pref.put(name, List.of(name.equals("SFT") ? Double.NaN : 0.6)));
        Path out = dir.resolve("run-" + seed);
        QuickStartResult r = ResultSummary.summarise(e, pref, List.of(), List.of(seed), seed, 10, 5, 20,
                OnPolicyPairs.Source.ON_POLICY, Map.of(), out);
        ResultsFile.writeJson(r, "mistakes", e, List.of(), out.resolve("results.json"));
        return out.resolve("results.json");
    }

    @Test
    void outcomesRoundTripAndSeedsCombine() throws Exception {
        Evaluation sft7 = evaluation(new double[] {1, 0, 0, 1}, new double[] {1, 0});
        Evaluation dpo7 = evaluation(new double[] {1, 1, 0, 1}, new double[] {1, 1});
        Evaluation sft8 = evaluation(new double[] {0, 0, 1, 1}, new double[] {0, 0});
        Evaluation dpo8 = evaluation(new double[] {1, 1, 1, 1}, new double[] {0, 1});
        Path a = run(7, sft7, dpo7);
        Path b = run(8, sft8, dpo8);

        JsonNode node = new ObjectMapper().readTree(a.toFile()).get("outcomes").get(0).get("methods").get("SFT");
        Evaluation back = Evaluation.fromJson(node, "x");
        assertThat(back.correct()).containsExactly(sft7.correct());
        assertThat(back.mistaken()).containsExactly(sft7.mistaken());
        assertThat(back.mistakes()).isEqualTo(sft7.mistakes());
        assertThat(back.triggered()).isEqualTo(sft7.triggered());
        assertThat(back.skillCorrect()).containsExactly(sft7.skillCorrect());

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        QuickStartResult combined = CombineResults.combine(dir.resolve("all"), List.of(a, b),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(combined.seeds()).containsExactly(7L, 8L);
        assertThat(combined.rows().get(0).testAccuracy().mean()).isEqualTo(4.0 / 8);
        assertThat(combined.rows().get(1).testAccuracy().mean()).isEqualTo(7.0 / 8);
        assertThat(combined.rows().get(0).skillAccuracy().mean()).isEqualTo(1.0 / 4);
        // dropped carry applies to problems 0 and 2 of each seed; SFT missed problem 2 of seed 7, 0 of seed 8
        assertThat(combined.rows().get(0).mistakeRateByClass().get("DROPPED_CARRY").mean()).isEqualTo(2.0 / 4);
        assertThat(combined.contrasts().get(0).testAccuracy().difference().mean()).isEqualTo(3.0 / 8);
        assertThat(Files.readString(dir.resolve("all/results.md"))).contains(combined.table());
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("| DPO |");
        JsonNode all = new ObjectMapper().readTree(dir.resolve("all/results.json").toFile());
        assertThat(all.get("outcomes")).hasSize(2);
        assertThat(all.get("methods").get(1).get("test_accuracy").asDouble()).isEqualTo(7.0 / 8);
    }

    @Test
    void differentMethodSetsAreRefusedUnlessOnlyTheCommonOnesAreAskedFor() {
        double[] skill = {1, 0};
        Path a = run(7, evaluation(new double[] {1, 0, 0, 1}, skill), evaluation(new double[] {1, 1, 0, 1}, skill),
                Map.of("IPO", evaluation(new double[] {0, 0, 0, 0}, skill)));
        Path b = run(8, evaluation(new double[] {0, 0, 1, 1}, skill), evaluation(new double[] {1, 1, 1, 1}, skill));

        assertThatThrownBy(() -> CombineResults.combine(dir.resolve("x"), List.of(a, b), System.out))
                .hasMessageContaining("methods [SFT, DPO] differ from the first file's [SFT, DPO, IPO]");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        QuickStartResult combined = CombineResults.combine(dir.resolve("common"), List.of(a, b),
                new PrintStream(printed, true, StandardCharsets.UTF_8), true);
        assertThat(combined.rows()).extracting(QuickStartResult.Row::method).containsExactly("SFT", "DPO");
        assertThat(combined.rows().get(1).testAccuracy().mean()).isEqualTo(7.0 / 8);
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("left out: [IPO]");
    }

    @Test
    void malformedOutcomesAreRefusedByName() throws Exception {
        Path a = run(7, evaluation(new double[] {1, 0}, new double[] {1}), evaluation(new double[] {1, 1},
                new double[] {1}));
        String text = Files.readString(a).replaceFirst("\"correct\" : \\[ 1, 0 \\]", "\"correct\" : [ 1, 2 ]");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, text);
        assertThatThrownBy(() -> CombineResults.combine(dir.resolve("x"), List.of(bad), System.out))
                .hasMessageContaining("bad.json: outcomes[0].methods.SFT.correct[1] must be 0 or 1, got 2");
        Files.writeString(bad, "{\"task\":\"mistakes\",\"methods\":[]}");
        assertThatThrownBy(() -> CombineResults.combine(dir.resolve("x"), List.of(bad), System.out))
                .hasMessageContaining("no 'outcomes' array");
    }
}
