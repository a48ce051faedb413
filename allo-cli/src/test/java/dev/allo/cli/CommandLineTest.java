package dev.allo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parsing, help, version and exit codes: 0 on success, 2 on bad usage or configuration, 1 on a failed run, with
 * the error's message on stderr and the stack trace only under --verbose.
 */
class CommandLineTest {
    private static final List<String> COMMANDS = List.of("align", "train", "locate", "score", "eval", "generate",
            "export", "plan", "demo");

    @TempDir
    static Path dir;
    static Path model;
    static Path data;

    @BeforeAll
    static void inputs() {
        model = TinyCheckpoint.write(dir.resolve("model"), 1);
        data = TinyCheckpoint.pairs(dir.resolve("prefs.jsonl"), 4);
    }

    @Test
    void versionAndEveryHelpExitZero() {
        CliRunner.Result version = CliRunner.run("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("allo 0.1.0-SNAPSHOT");
        for (String command : COMMANDS) {
            CliRunner.Result help = CliRunner.run(command, "--help");
            assertThat(help.code()).as(command).isZero();
            assertThat(help.out()).as(command).startsWith("Usage: allo " + command);
        }
        assertThat(CliRunner.run("--help").out()).contains(COMMANDS.toArray(String[]::new));
    }

    @Test
    void anUnknownOptionOrAMissingRequiredOneIsBadUsage() {
        CliRunner.Result unknown = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(),
                "--output", dir.resolve("x").toString(), "--bogus");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option: '--bogus'");
        CliRunner.Result missing = CliRunner.run("align", "--data", data.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required options").contains("--model");
        assertThat(CliRunner.run("nonsense").code()).isEqualTo(2);
        assertThat(CliRunner.run().code()).isEqualTo(2);
    }

    @Test
    void aMissingFileFailsTheRunNamingIt() {
        Path absent = dir.resolve("absent.jsonl");
        CliRunner.Result r = CliRunner.run("train", "--model", model.toString(), "--data", absent.toString(),
                "--output", dir.resolve("never").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--data " + absent + ": no such file").doesNotContain("\tat ");
        CliRunner.Result noModel = CliRunner.run("eval", "--model", dir.resolve("nowhere").toString(), "--data",
                data.toString());
        assertThat(noModel.code()).isEqualTo(1);
        assertThat(noModel.err()).contains("--model " + dir.resolve("nowhere") + ": no such directory");
        assertThat(Files.exists(dir.resolve("never"))).isFalse();
    }

    @Test
    void aBadConfigValueNamesKeyFileAndLineAndIsBadUsage() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.yaml"), "seed: 3\nforget:\n  neuron_ratio: lots\n");
        CliRunner.Result r = CliRunner.run("align", "--model", model.toString(), "--data", data.toString(),
                "--output", dir.resolve("bad-run").toString(), "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(config + " line 3: forget.neuron_ratio: expected a number in (0, 1], got 'lots'");
        CliRunner.Result set = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(),
                "--output", dir.resolve("bad-run").toString(), "--set", "learning_rat=1");
        assertThat(set.code()).isEqualTo(2);
        assertThat(set.err()).contains("--set learning_rat=1: unknown key 'learning_rat'");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        CliRunner.Result r = CliRunner.run("train", "--verbose", "--model", model.toString(), "--data",
                dir.resolve("absent.jsonl").toString(), "--output", dir.resolve("never").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("\tat dev.allo.cli.").contains("no such file");
    }

    @Test
    void rewardsFromARewriterNeedOne() {
        CliRunner.Result r = CliRunner.run("align", "--model", model.toString(), "--data", data.toString(),
                "--output", dir.resolve("never").toString(), "--set", "forget.token_rewards=rewriter");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("forget.token_rewards is rewriter but no --rewriter DIR was given");
    }

    @Test
    void printConfigShowsTheSizeFittedDefaultsWithoutTraining() {
        Path out = dir.resolve("printed");
        CliRunner.Result r = CliRunner.run("align", "--model", model.toString(), "--data", data.toString(),
                "--output", out.toString(), "--print-config");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("locate:", "forget:", "learn:", "token_rewards: edit_distance",
                "learning_rate: 3.0E-4", "per_device_train_batch_size: 4");
        assertThat(Files.exists(out)).isFalse();
    }
}
