package dev.allo.impl.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.io.ChecksummedFile;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * An append-only JSON-lines log of a stage, one object per line with an integer {@code step}, that survives kills
 * and resumes without losing or repeating a line. Opening it at a step {@code k} (the step of the checkpoint the
 * stage continues from, -1 for a fresh start) first rewrites the file, atomically (temporary file, then rename),
 * keeping only the complete lines whose {@code step} is at most {@code k}. A line is complete when it ends with a
 * newline; text after the last newline, what a kill during a write leaves, is dropped. New lines are then appended, one {@code write} and {@code flush} per line, so a killed
 * process leaves every finished line in the file.
 */
public final class JsonLinesLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final List<Long> keptSteps;
    private final BufferedWriter writer;

    private JsonLinesLog(Path file, List<Long> keptSteps, BufferedWriter writer) {
        this.file = file;
        this.keptSteps = keptSteps;
        this.writer = writer;
    }

    /**
     * Opens a log, keeping the complete lines of steps {@code <= keepThroughStep}.
     *
     * @param file the log file; created with its directory if missing
     * @param keepThroughStep lines of later steps are dropped; -1 drops every line
     * @return the open log
     * @throws AlloException naming the file and line if a complete line is not a JSON object with an integer
     *     {@code step}, or the file cannot be rewritten
     */
    public static JsonLinesLog open(Path file, long keepThroughStep) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            List<Long> keptSteps = new ArrayList<>();
            boolean exists = Files.exists(file);
            boolean lastComplete = exists && endsWithNewline(file);
            ChecksummedFile.writeAtomically(file, "log", out -> {
                if (!exists) {
                    return;
                }
                try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                        StandardCharsets.UTF_8))) {
                    String line = in.readLine();
                    for (int number = 1; line != null; number++) {
                        String next = in.readLine();
                        if (next == null && !lastComplete) {
                            break; // cut short by a kill while it was written
                        }
                        Long step = step(line);
                        if (step == null) {
                            throw new AlloException("log " + file + " line " + number + " is not a JSON object with"
                                    + " an integer 'step': " + abbreviate(line));
                        }
                        if (step <= keepThroughStep) {
                            out.write(line.getBytes(StandardCharsets.UTF_8));
                            out.write('\n');
                            keptSteps.add(step);
                        }
                        line = next;
                    }
                }
            });
            BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            return new JsonLinesLog(file, List.copyOf(keptSteps), writer);
        } catch (IOException e) {
            throw new AlloException("cannot open log " + file + ": " + e, e);
        }
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            if (channel.size() == 0) {
                return true;
            }
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.position(channel.size() - 1).read(last);
            return last.get(0) == '\n';
        }
    }

    /**
     * The steps of the lines kept when the log was opened, in file order.
     *
     * @return the steps
     */
    public List<Long> keptSteps() {
        return keptSteps;
    }

    /**
     * Appends one line and flushes it.
     *
     * @param line the object, with an integer {@code step}
     * @throws AlloException naming the file if it cannot be written
     */
    public void append(ObjectNode line) {
        try {
            writer.write(JSON.writeValueAsString(line));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new AlloException("cannot write log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts metrics into a line: finite values as numbers, others as the strings {@code "NaN"}, {@code "Infinity"},
     * {@code "-Infinity"}.
     *
     * @param line the line
     * @param metrics the metrics
     * @return the line
     */
    public static ObjectNode putMetrics(ObjectNode line, Map<String, Double> metrics) {
        metrics.forEach((k, v) -> {
            if (Double.isFinite(v)) {
                line.put(k, v);
            } else {
                line.put(k, Double.toString(v));
            }
        });
        return line;
    }

    /**
     * Reads one metric as {@link #putMetrics} writes it: a number, or the string {@code "NaN"}, {@code "Infinity"} or
     * {@code "-Infinity"}.
     *
     * @param value the JSON value
     * @return the metric, or empty when the value is neither
     */
    public static OptionalDouble metricValue(JsonNode value) {
        if (value.isNumber()) {
            return OptionalDouble.of(value.doubleValue());
        }
        if (value.isTextual()) {
            switch (value.textValue()) {
                case "NaN":
                    return OptionalDouble.of(Double.NaN);
                case "Infinity":
                    return OptionalDouble.of(Double.POSITIVE_INFINITY);
                case "-Infinity":
                    return OptionalDouble.of(Double.NEGATIVE_INFINITY);
                default:
                    break;
            }
        }
        return OptionalDouble.empty();
    }

    /**
     * A new empty line object.
     *
     * @return the object
     */
    public static ObjectNode line() {
        return JSON.createObjectNode();
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new AlloException("cannot close log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The line's step, or null if it is not a complete JSON object with an integer step. */
    private static Long step(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            if (node == null || !node.isObject() || !node.path("step").isIntegralNumber()) {
                return null;
            }
            return node.get("step").longValue();
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 120 ? line : line.substring(0, 120) + "...";
    }
}
