package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.train.StageResult;
import dev.allo.train.StageStart;
import dev.allo.train.StepMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
    private static final Pattern LINE = Pattern.compile("learn step (\\d+)/10 loss=(\\S+) rewards/margins=(\\S+)"
            + " rewards/accuracies=(\\S+) lr=(\\S+) tok/s=(\\d+) eta=(\\d+):(\\d\\d):(\\d\\d)");

    private static StepMetrics step(long step) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", 0.7 - 0.01 * step);
        m.put("rewards/margins", 0.1 * step);
        m.put("rewards/accuracies", step % 2 == 0 ? 1.0 : 0.5);
        m.put("learning_rate", 1e-5 * step);
        m.put("grad_norm", 2.0);
        m.put("tokens_per_second", 1000.0 * step);
        m.put("elapsed_seconds", 30.0 * (step - 2)); // the stage resumed after step 2: 30 s per step since
        m.put("step", (double) step);
        m.put("epoch", 0.0);
        return new StepMetrics("learn", step, 0, m);
    }

    private static List<String> run(ConsoleProgress progress, ByteArrayOutputStream bytes) {
        progress.onStageStart(new StageStart("learn", 40, 10, 10, 2));
        for (long s = 3; s <= 10; s++) {
            progress.onStep(step(s));
        }
        progress.onStageEnd(new StageResult("learn", 10, 8, List.of(), step(10), 240));
        String text = bytes.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    @Test
    void withoutATerminalItPrintsOneLinePerLoggingStepWithTheWindowAverages() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                ConsoleProgress.Mode.LINES, 3);
        assertThat(progress.drawsBar()).isFalse();
        List<String> lines = run(progress, bytes);
        // Logging steps 3, 6, 9 and the last step 10; the first window after the resume holds step 3 only.
        assertThat(lines).hasSize(4);
        long[][] windows = {{3}, {4, 5, 6}, {7, 8, 9}, {10}};
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINE.matcher(lines.get(i));
            assertThat(m.matches()).as(lines.get(i)).isTrue();
            long[] w = windows[i];
            long last = w[w.length - 1];
            double loss = 0;
            double margins = 0;
            double accuracies = 0;
            double tokens = 0;
            for (long s : w) {
                loss += 0.7 - 0.01 * s;
                margins += 0.1 * s;
                accuracies += s % 2 == 0 ? 1.0 : 0.5;
                tokens += 1000.0 * s;
            }
            assertThat(Long.parseLong(m.group(1))).isEqualTo(last);
            assertThat(Double.parseDouble(m.group(2))).isCloseTo(loss / w.length, within(5e-5));
            assertThat(Double.parseDouble(m.group(3))).isCloseTo(margins / w.length, within(5e-5));
            assertThat(Double.parseDouble(m.group(4))).isCloseTo(accuracies / w.length, within(5e-5));
            assertThat(Double.parseDouble(m.group(5))).isCloseTo(1e-5 * last, within(1e-8)); // the step's own
            assertThat(Double.parseDouble(m.group(6))).isCloseTo(tokens / w.length, within(0.5));
            long eta = Long.parseLong(m.group(7)) * 3600 + Long.parseLong(m.group(8)) * 60
                    + Long.parseLong(m.group(9));
            assertThat(eta).isEqualTo(30 * (10 - last)); // 30 s per step taken in this process, times steps left
            assertThat(lines.get(i)).hasSizeLessThan(200).doesNotContain("\r").doesNotContain("\u001b");
        }
    }

    @Test
    void aStageWithoutRewardsLeavesThemOut() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                ConsoleProgress.Mode.LINES, 1);
        progress.onStageStart(new StageStart("sft", 4, 1, 1, 0));
        progress.onStep(new StepMetrics("sft", 1, 0, Map.of("loss", 2.5, "learning_rate", 1e-4,
                "tokens_per_second", 10.0, "elapsed_seconds", 1.0)));
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("sft step 1/1 loss=2.5000 lr=1.000e-04 tok/s=10 eta=0:00:00" + System.lineSeparator());
    }

    @Test
    void autoModeChoosesLinesWhenTheJvmHasNoTerminal() {
        // Tests run with standard streams redirected, so there is no console.
        assertThat(System.console()).isNull();
        assertThat(ConsoleProgress.isTerminal(null)).isFalse();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(progress.drawsBar()).isFalse();
        List<String> lines = run(progress, bytes);
        assertThat(lines).hasSize(1); // logging every 10 steps: only the last step, 10
        assertThat(lines.get(0)).startsWith("learn step 10/10 ").hasSizeLessThan(200);
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }
}
