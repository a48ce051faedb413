package dev.allo.impl.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes one JSON object per optimiser step to a JSON-lines file: {@code stage}, {@code step}, {@code epoch} and
 * every metric of {@link StepMetrics} (the objective's TRL-named metrics, {@code learning_rate}, {@code grad_norm},
 * {@code tokens_per_second}, {@code elapsed_seconds}). Each line is flushed as it is written, so a killed run keeps
 * every completed step, and a resumed run appends to the same file; non-finite values are written as strings ({@code "NaN"}, {@code "Infinity"}).
 */
final class MetricsLog implements TrainingListener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter writer;

    private MetricsLog(Path file, BufferedWriter writer) {
        this.file = file;
        this.writer = writer;
    }

    static MetricsLog open(Path file, boolean append) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return new MetricsLog(file, append
                    ? Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND)
                    : Files.newBufferedWriter(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AlloException("Cannot open metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onStep(StepMetrics metrics) {
        ObjectNode line = JSON.createObjectNode();
        line.put("stage", metrics.stage());
        line.put("step", metrics.step());
        line.put("epoch", metrics.epoch());
        for (Map.Entry<String, Double> e : metrics.metrics().entrySet()) {
            if (e.getKey().equals(StepMetrics.STEP) || e.getKey().equals(StepMetrics.EPOCH)) {
                continue;
            }
            double v = e.getValue();
            if (Double.isFinite(v)) {
                line.put(e.getKey(), v);
            } else {
                line.put(e.getKey(), Double.toString(v));
            }
        }
        try {
            writer.write(JSON.writeValueAsString(line));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new AlloException("Cannot write metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new AlloException("Cannot close metrics log " + file + ": " + e.getMessage(), e);
        }
    }
}
