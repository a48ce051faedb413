package dev.allo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar runs on its own: {@code java -jar target/allo.jar} in a child process, with no class path and no
 * {@code -Dai.djl.offline} (the jar's main sets it), finds the PyTorch engine and the ALLO implementation through
 * their merged ServiceLoader files and the native library inside the jar. Runs in Maven's integration-test phase,
 * after the jar is built.
 */
class AlloJarIT {
    @TempDir
    static Path dir;
    static Path jar;

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("allo.jar", "target/allo.jar"));
        assertThat(jar).as("the shaded jar; build it with ./mvnw package").isRegularFile();
    }

    private static Process start(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g", "-Dai.djl.pytorch.num_threads=1", "-jar",
                jar.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return start(command, log);
    }

    private static Process start(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int exit(Process p) throws InterruptedException {
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("the child JVM finished").isTrue();
        return p.exitValue();
    }

    @Test
    void versionAndBadUsageExitCodes() throws Exception {
        Path log = dir.resolve("version.log");
        assertThat(exit(start(log, "--version"))).isZero();
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).startsWith("allo ");
        Path bad = dir.resolve("bad.log");
        assertThat(exit(start(bad, "train", "--model", "m", "--data", "d", "--output", "o", "--bogus")))
                .isEqualTo(2);
        assertThat(Files.readString(bad, StandardCharsets.UTF_8)).contains("Unknown option: '--bogus'");
    }

    @Test
    void alignRunsEndToEndFromTheJar() throws Exception {
        Path model = TinyCheckpoint.write(dir.resolve("model"), 9);
        Path data = TinyCheckpoint.pairs(dir.resolve("prefs.jsonl"), 4);
        Path run = dir.resolve("runs/x");
        Path log = dir.resolve("align.log");
        int code = exit(start(log, "align", "--model", model.toString(), "--data", data.toString(), "--output",
                run.toString()));
        assertThat(code).as(Files.readString(log, StandardCharsets.UTF_8)).isZero();
        assertThat(run.resolve("model/model.safetensors")).isRegularFile();
        assertThat(run.resolve("learn/metrics.jsonl")).isRegularFile();
    }

    @Test
    void sparkJobsSayHowToRunThemWithoutSparkAndRunWithSparkJarsOnTheClassPath() throws Exception {
        Path model = TinyCheckpoint.write(dir.resolve("spark-model"), 4);
        Path data = TinyCheckpoint.pairs(dir.resolve("spark-prefs.jsonl"), 5);
        String[] job = {"spark", "reference", "--master", "local[1]", "--model", model.toString(), "--data",
            data.toString(), "--output", dir.resolve("spark-out").toString()};
        Path without = dir.resolve("spark-without.log");
        assertThat(exit(start(without, job))).as("the jar bundles no Spark").isEqualTo(2);
        assertThat(Files.readString(without, StandardCharsets.UTF_8)).contains("Spark is not on the class path",
                "spark-submit --class dev.allo.cli.Main allo.jar spark reference");
        assertThat(dir.resolve("spark-out")).doesNotExist();

        // The documented alternative: java -cp allo.jar:<Spark's jars> dev.allo.cli.Main spark ... (the jars of
        // this test's class path stand in for a Spark distribution's jars/).
        String sparkJars = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.endsWith(".jar") && !p.contains(File.separator + "dev" + File.separator + "allo"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g", "-Dai.djl.pytorch.num_threads=1",
                "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1",
                "-cp", jar.toAbsolutePath() + File.pathSeparator + sparkJars, "dev.allo.cli.Main"));
        command.addAll(List.of(job));
        Path with = dir.resolve("spark-with.log");
        assertThat(exit(start(command, with))).as(Files.readString(with, StandardCharsets.UTF_8)).isZero();
        assertThat(Files.readString(with, StandardCharsets.UTF_8)).contains("\"pairs\":5", "\"rejects\":0");
        assertThat(dir.resolve("spark-out/manifest.json")).isRegularFile();
    }
}
