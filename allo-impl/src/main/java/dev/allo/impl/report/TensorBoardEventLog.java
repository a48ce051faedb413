package dev.allo.impl.report;

import dev.allo.AlloException;
import dev.allo.io.ChecksummedFile;
import dev.allo.train.StepMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A stage's logged rows as a TensorBoard event file, {@code events.out.tfevents.<seconds>.<host>} in the stage's
 * log directory ({@link TfRecords} framing, {@link TensorBoardEvents} messages): first the {@code file_version}
 * event, then one event per logging step with one scalar per metric, tagged {@code train/<metric>} as
 * transformers' TensorBoard callback tags them ({@code step} is the event's step, not a scalar).
 *
 * <p>Kill- and resume-safe: opening it at step {@code k} (the resumed checkpoint's step, -1 for a fresh start)
 * rewrites the directory's event file, atomically, keeping its intact records of steps at most {@code k} (a record
 * cut short by a kill is dropped), and removes any other event file there; a fresh start removes them all and
 * starts a new file. Each event is appended and flushed with one write.
 */
public final class TensorBoardEventLog implements MetricsSink {
    /** The prefix of TensorBoard's event file names. */
    public static final String PREFIX = "events.out.tfevents.";
    /** The prefix of every scalar tag. */
    public static final String TAG_PREFIX = "train/";

    private final Path file;
    private final long lastStep;
    private final OutputStream out;

    private TensorBoardEventLog(Path file, long lastStep) throws IOException {
        this.file = file;
        this.lastStep = lastStep;
        this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * Opens the directory's event file.
     *
     * @param directory the stage's log directory; created if missing
     * @param keepThroughStep events of later steps are dropped; -1 starts a new file
     * @return the open log
     * @throws AlloException naming the file if it cannot be read or written
     */
    public static TensorBoardEventLog open(Path directory, long keepThroughStep) {
        try {
            Files.createDirectories(directory);
            List<Path> existing = eventFiles(directory);
            Path file = keepThroughStep < 0 || existing.isEmpty() ? null : existing.get(existing.size() - 1);
            for (Path p : existing) {
                if (!p.equals(file)) {
                    Files.delete(p);
                }
            }
            long last = 0;
            if (file == null) {
                double now = System.currentTimeMillis() / 1000.0;
                file = directory.resolve(PREFIX + (long) now + "." + host());
                byte[] first = TfRecords.frame(TensorBoardEvents.fileVersion(now));
                ChecksummedFile.writeAtomically(file, "TensorBoard event file", o -> o.write(first));
            } else {
                List<byte[]> kept = new ArrayList<>();
                try (InputStream in = Files.newInputStream(file)) {
                    for (byte[] record : TfRecords.readIntact(in)) {
                        long step = TensorBoardEvents.step(record);
                        if (step <= keepThroughStep) {
                            kept.add(record);
                            last = Math.max(last, step);
                        }
                    }
                }
                ChecksummedFile.writeAtomically(file, "TensorBoard event file", o -> {
                    for (byte[] record : kept) {
                        o.write(TfRecords.frame(record));
                    }
                });
            }
            return new TensorBoardEventLog(file, last);
        } catch (IOException e) {
            throw new AlloException("Cannot open TensorBoard event file in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * The event files of a directory, oldest name first.
     *
     * @param directory the directory
     * @return the files named {@code events.out.tfevents.*}
     * @throws IOException if the directory cannot be listed
     */
    public static List<Path> eventFiles(Path directory) throws IOException {
        try (Stream<Path> list = Files.list(directory)) {
            return list.filter(p -> p.getFileName().toString().startsWith(PREFIX)
                    && !p.getFileName().toString().endsWith(".tmp")).sorted().toList();
        }
    }

    private static String host() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "localhost";
        }
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * The event file.
     *
     * @return its path
     */
    public Path file() {
        return file;
    }

    @Override
    public long lastStep() {
        return lastStep;
    }

    @Override
    public void append(StepMetrics row) {
        Map<String, Double> scalars = new LinkedHashMap<>();
        row.metrics().forEach((name, value) -> {
            if (!name.equals(StepMetrics.STEP)) {
                scalars.put(TAG_PREFIX + name, value);
            }
        });
        try {
            out.write(TfRecords.frame(TensorBoardEvents.scalars(System.currentTimeMillis() / 1000.0, row.step(),
                    scalars)));
            out.flush();
        } catch (IOException e) {
            throw new AlloException("Cannot write TensorBoard event file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new AlloException("Cannot close TensorBoard event file " + file + ": " + e.getMessage(), e);
        }
    }
}
