package dev.allo.cli.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal names the key, where it was written (file and line, or the --set argument), expected and actual. */
class SettingsErrorsTest {
    private static final ScaleDefaults DEFAULTS = new ScaleDefaults(1_000, 16);

    @TempDir
    Path dir;

    private Path yaml(String text) throws Exception {
        return Files.writeString(dir.resolve("run.yaml"), text);
    }

    @Test
    void aBadValueNamesKeyFileLineExpectedAndActual() throws Exception {
        Path file = yaml("beta: 0.1\nlearning_rate: fast\n");
        assertThatThrownBy(() -> RunConfigs.align(Settings.load(file, List.of()), DEFAULTS, false))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + " line 2: learning_rate: expected a number > 0, got 'fast'");
    }

    @Test
    void aValueOutOfRangeInASectionNamesTheDottedKey() throws Exception {
        Path file = yaml("forget:\n  neuron_ratio: 1.5\n");
        assertThatThrownBy(() -> RunConfigs.align(Settings.load(file, List.of()), DEFAULTS, false))
                .hasMessage(file + " line 2: forget.neuron_ratio: expected a number in (0, 1], got '1.5'");
    }

    @Test
    void aWrongChoiceListsTheAllowedValues() throws Exception {
        Path file = yaml("loss_type: robust\n");
        assertThatThrownBy(() -> RunConfigs.train(Settings.load(file, List.of()), DEFAULTS))
                .hasMessageStartingWith(file + " line 1: loss_type: expected one of [sigmoid, ipo, hinge,")
                .hasMessageEndingWith("got 'robust'");
    }

    @Test
    void aBadReportTargetOrNoneBesideOthersIsRefused() throws Exception {
        Path file = yaml("report_to: jsonl,wandb\n");
        assertThatThrownBy(() -> RunConfigs.train(Settings.load(file, List.of()), DEFAULTS))
                .hasMessage(file + " line 1: report_to: expected a comma-separated list of jsonl, csv, tensorboard,"
                        + " or none alone, got 'jsonl,wandb'");
        Path none = yaml("report_to: none, csv\n");
        assertThatThrownBy(() -> RunConfigs.train(Settings.load(none, List.of()), DEFAULTS))
                .hasMessageEndingWith("got 'none, csv'");
    }

    @Test
    void anUnknownStorageDtypeListsTheAllowedValues() throws Exception {
        Path file = yaml("storage_dtype: fp8\n");
        assertThatThrownBy(() -> RunConfigs.train(Settings.load(file, List.of()), DEFAULTS))
                .hasMessage(file + " line 1: storage_dtype: expected one of [auto, float32, bfloat16, float16], got"
                        + " 'fp8'");
    }

    @Test
    void aFractionalEpochCountIsRefused() throws Exception {
        Path file = yaml("num_train_epochs: 1.5\n");
        assertThatThrownBy(() -> RunConfigs.train(Settings.load(file, List.of()), DEFAULTS))
                .hasMessage(file + " line 1: num_train_epochs: expected a whole number >= 1, got '1.5'");
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKnownOnes() throws Exception {
        Path file = yaml("seed: 1\nlearnig_rate: 1e-5\n");
        assertThatThrownBy(() -> Settings.load(file, List.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + " line 2: unknown key 'learnig_rate'; expected one of [learning_rate,");
    }

    @Test
    void aKeyInTheWrongSectionSaysWhereItBelongs() throws Exception {
        Path file = yaml("learn:\n  reward_threshold: 0.9\n");
        assertThatThrownBy(() -> Settings.load(file, List.of()))
                .hasMessage(file + " line 2: key 'reward_threshold' is not allowed in section 'learn'; it belongs"
                        + " in 'forget'");
    }

    @Test
    void anUnknownSectionIsRefused() throws Exception {
        Path file = yaml("warmup:\n  learning_rate: 1e-3\n");
        assertThatThrownBy(() -> Settings.load(file, List.of()))
                .hasMessage(file + " line 2: unknown section 'warmup' in key 'warmup.learning_rate'; expected one of"
                        + " [locate, forget, learn]");
    }

    @Test
    void malformedYamlDuplicateKeysListsAndNullsNameTheLine() throws Exception {
        assertThatThrownBy(() -> Settings.load(yaml("beta: 0.1\nbeta: 0.2\n"), List.of()))
                .hasMessageContaining("line 2").hasMessageContaining("beta");
        assertThatThrownBy(() -> Settings.load(yaml("seed: [1, 2]\n"), List.of()))
                .hasMessageEndingWith("line 1: seed: expected a single value, found a list");
        assertThatThrownBy(() -> Settings.load(yaml("seed:\n"), List.of()))
                .hasMessageContaining("line 1: seed: expected a value, found");
        assertThatThrownBy(() -> Settings.load(yaml("seed: null\n"), List.of()))
                .hasMessageContaining("line 1: seed: expected a value, found null");
        assertThatThrownBy(() -> Settings.load(yaml("seed: 1\n  beta: : x\n"), List.of()))
                .hasMessageContaining("run.yaml line").hasMessageContaining("malformed YAML");
        assertThatThrownBy(() -> Settings.load(dir.resolve("missing.yaml"), List.of()))
                .hasMessage("configuration file " + dir.resolve("missing.yaml") + " does not exist");
    }

    @Test
    void aBadSetArgumentIsNamedAsWritten() {
        assertThatThrownBy(() -> Settings.load(null, List.of("beta")))
                .hasMessage("--set beta: expected key=value, for example --set learning_rate=1e-5");
        assertThatThrownBy(() -> RunConfigs.align(Settings.load(null, List.of("max_length=10",
                "max_prompt_length=10")), DEFAULTS, false))
                .hasMessage("--set max_prompt_length=10: max_prompt_length: expected max_prompt_length < max_length"
                        + " (10 >= 10), got '10'");
    }
}
