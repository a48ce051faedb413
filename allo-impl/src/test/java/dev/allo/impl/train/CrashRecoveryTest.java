package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kills: a child JVM ({@link CrashChild}) runs a 12-step stage with a checkpoint every step and is killed with
 * SIGKILL ({@link Process#destroyForcibly}) at seeded random points after a step's line, and halted
 * ({@link StageCheckpoint#HALT_PROPERTY}) at each named point of a checkpoint write, then restarted until it
 * finishes. Its final checkpoint (weights and optimiser state) and metrics log (without the wall-clock metrics) must
 * equal those of an uninterrupted child. Nine JVM starts (about 25 s on 2 quiet cores).
 */
class CrashRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 60;

    @TempDir
    Path dir;

    /** Starts the child; {@code halt} is a crash point or null. */
    private static Process start(Path work, String halt) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true", "-Xmx512m",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"));
        if (halt != null) {
            command.add("-D" + StageCheckpoint.HALT_PROPERTY + "=" + halt);
        }
        command.add(CrashChild.class.getName());
        command.add(work.toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
    }

    /**
     * Reads the child's output until its {@code killAfter}-th step line, waits {@code extraMillis}, then kills it;
     * returns its exit status.
     */
    private static int runUntil(Process child, long killAfter, long extraMillis) throws Exception {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            long steps = 0;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("step ") && ++steps == killAfter) {
                    Thread.sleep(extraMillis);
                    child.destroyForcibly(); // SIGKILL; also closes our end of its output
                    break;
                }
            }
        } catch (IOException closedByTheKill) {
            // the output ends with the child
        }
        if (!child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the child did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return child.exitValue();
    }

    private static int runToEnd(Path work, String halt) throws Exception {
        return runUntil(start(work, halt), Long.MAX_VALUE, 0);
    }

    private static List<String> withoutTimings(Path log) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            ObjectNode node = (ObjectNode) JSON.readTree(line);
            node.remove(List.of("tokens_per_second", "elapsed_seconds"));
            out.add(node.toString());
        }
        return out;
    }

    @Test
    void killsAnywhereLeaveTheResultOfAnUninterruptedRun() throws Exception {
        Path reference = dir.resolve("uninterrupted");
        assertThat(runToEnd(reference, null)).isZero();

        Path work = dir.resolve("killed");
        int halts = 0;
        // Each named point of a checkpoint write (counted per process): in the checkpoint of steps 2, 3, 5 and 6.
        String[] points = {"files-written@2", "state-written@2", "after-old-rename@2", "after-new-rename@1"};
        for (String point : points) {
            int status = runToEnd(work, point);
            assertThat(status).as(point).isEqualTo(StageCheckpoint.HALT_STATUS);
            halts++;
        }
        // SIGKILL at seeded random moments: 0..40 ms after the child's first or second step line, in the next step or
        // checkpoint write.
        SplittableRandom random = new SplittableRandom(2024);
        int kills = 0;
        for (int i = 0; i < 3; i++) {
            int status = runUntil(start(work, null), 1 + random.nextInt(2), random.nextInt(40));
            kills += status == 0 ? 0 : 1;
        }
        assertThat(runToEnd(work, null)).isZero();

        assertThat(halts + kills).isGreaterThanOrEqualTo(6);
        System.out.printf("crash test: %d halts at crash points, %d SIGKILLs%n", halts, kills);
        for (String file : new String[] {"model/model.safetensors", "optimizer.safetensors", "mask.bin"}) {
            assertThat(Files.readAllBytes(work.resolve("checkpoint").resolve(file))).as(file)
                    .isEqualTo(Files.readAllBytes(reference.resolve("checkpoint").resolve(file)));
        }
        assertThat(StageCheckpoint.readVerified(work.resolve("checkpoint")).step()).isEqualTo(12);
        assertThat(withoutTimings(work.resolve("metrics.jsonl")))
                .isEqualTo(withoutTimings(reference.resolve("metrics.jsonl"))).hasSize(12);
        try (var siblings = Files.list(work)) {
            assertThat(siblings.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("checkpoint", "metrics.jsonl");
        }
        assertThat(File.separatorChar).isEqualTo('/'); // SIGKILL semantics are those of Linux and macOS
    }
}
