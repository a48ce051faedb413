package dev.allo.impl.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.train.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event files written, trimmed on resume and read back by {@link EventFileReader}, an independent reader. */
class TensorBoardEventLogTest {
    @TempDir
    Path dir;

    private static StepMetrics row(long step, double loss) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("rewards/accuracies", 0.0);
        m.put("learning_rate", 1e-5 * step);
        m.put("step", (double) step);
        m.put("epoch", 0.0);
        return new StepMetrics("learn", step, 0, m);
    }

    @Test
    void everyRecordIsFramedAndDecodesToTheRows() throws Exception {
        double before = System.currentTimeMillis() / 1000.0 - 1;
        Path file;
        try (TensorBoardEventLog log = TensorBoardEventLog.open(dir, -1)) {
            file = log.file();
            log.append(row(3, 0.69));
            log.append(row(6, 0.65));
            log.append(row(7, 0.61));
        }
        double after = System.currentTimeMillis() / 1000.0 + 1;
        assertThat(file.getFileName().toString()).matches("events\\.out\\.tfevents\\.\\d{10}\\.[A-Za-z0-9._-]+");
        List<EventFileReader.Event> events = EventFileReader.readAll(file);
        assertThat(events).hasSize(4);
        EventFileReader.Event first = events.get(0);
        assertThat(first.fileVersion()).isEqualTo("brain.Event:2");
        assertThat(first.step()).isEqualTo(0L);
        assertThat(first.wallTime()).isBetween(before, after);
        assertThat(first.scalars()).isEmpty();
        long[] steps = {3, 6, 7};
        double[] losses = {0.69, 0.65, 0.61};
        for (int i = 0; i < 3; i++) {
            EventFileReader.Event e = events.get(i + 1);
            assertThat(e.step()).isEqualTo(steps[i]);
            assertThat(e.fileVersion()).isNull();
            assertThat(e.wallTime()).isBetween(before, after);
            assertThat(e.scalars().keySet()).containsExactly("train/loss", "train/rewards/accuracies",
                    "train/learning_rate", "train/epoch");
            assertThat(e.scalars().get("train/loss")).isEqualTo((float) losses[i]);
            assertThat(e.scalars().get("train/rewards/accuracies")).isEqualTo(0.0f); // written although 0
            assertThat(e.scalars().get("train/learning_rate")).isEqualTo((float) (1e-5 * steps[i]));
        }
    }

    @Test
    void reopeningAtAStepKeepsTheIntactRecordsUpToIt() throws Exception {
        Path file;
        try (TensorBoardEventLog log = TensorBoardEventLog.open(dir, -1)) {
            file = log.file();
            for (int step = 2; step <= 8; step += 2) {
                log.append(row(step, 1.0 / step));
            }
        }
        // A kill in the middle of the next record: half of it reaches the file.
        byte[] torn = TfRecords.frame(TensorBoardEvents.scalars(1, 10, Map.of("train/loss", 0.1)));
        Files.write(file, java.util.Arrays.copyOf(torn, torn.length / 2), StandardOpenOption.APPEND);
        try (TensorBoardEventLog log = TensorBoardEventLog.open(dir, 5)) {
            assertThat(log.file()).isEqualTo(file);
            assertThat(log.lastStep()).isEqualTo(4);
            log.append(row(6, 0.5));
        }
        List<EventFileReader.Event> events = EventFileReader.readAll(file);
        assertThat(events).extracting(EventFileReader.Event::step).containsExactly(0L, 2L, 4L, 6L);
        assertThat(events.get(3).scalars().get("train/loss")).isEqualTo(0.5f);
        assertThat(TensorBoardEventLog.eventFiles(dir)).containsExactly(file);
    }

    @Test
    void aRecordWithABadChecksumEndsTheIntactPart() throws Exception {
        Path file;
        try (TensorBoardEventLog log = TensorBoardEventLog.open(dir, -1)) {
            file = log.file();
            log.append(row(1, 0.7));
            log.append(row(2, 0.6));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 6] ^= 1; // inside the last record's data
        Files.write(file, bytes);
        try (TensorBoardEventLog log = TensorBoardEventLog.open(dir, 100)) {
            assertThat(log.lastStep()).isEqualTo(1);
        }
        assertThat(EventFileReader.readAll(file)).extracting(EventFileReader.Event::step).containsExactly(0L, 1L);
    }

    @Test
    void aFreshStartReplacesEarlierEventFiles() throws Exception {
        Path old = dir.resolve(TensorBoardEventLog.PREFIX + "1000.old");
        Files.write(old, new byte[] {1, 2, 3});
        try (TensorBoardEventLog log = TensorBoardEventLog.open(dir, -1)) {
            assertThat(TensorBoardEventLog.eventFiles(dir)).containsExactly(log.file());
            assertThat(EventFileReader.readAll(log.file())).hasSize(1);
        }
    }
}
