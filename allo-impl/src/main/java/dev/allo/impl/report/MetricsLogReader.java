package dev.allo.impl.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.impl.train.JsonLinesLog;
import dev.allo.train.StepMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a stage's {@code metrics.jsonl} or {@code eval.jsonl} back into {@link StepMetrics}: {@code stage},
 * {@code step} and {@code epoch} (0 when absent) become the record's fields, every other numeric field (or
 * {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} string) a metric, in file order; {@code step} and
 * {@code epoch} are also kept as metrics, as the training loop reports them.
 */
public final class MetricsLogReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsLogReader() {}

    /**
     * Reads every complete line (a trailing line without a newline, what a kill leaves, is skipped).
     *
     * @param file the JSON-lines file
     * @return the lines, in order; empty if the file does not exist
     * @throws AlloException naming the file and line if a line is not an object with an integer {@code step}, or
     *     a metric is neither a number nor a non-finite value's string
     */
    public static List<StepMetrics> read(Path file) {
        List<StepMetrics> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return out;
            }
            try (BufferedReader reader = new BufferedReader(new java.io.StringReader(text.substring(0, end + 1)))) {
                int number = 0;
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    number++;
                    out.add(parse(file, number, line));
                }
            }
        } catch (IOException e) {
            throw new AlloException("Cannot read metrics log " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static StepMetrics parse(Path file, int number, String line) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (IOException e) {
            throw new AlloException("metrics log " + file + " line " + number + " is not JSON: " + e.getMessage(),
                    e);
        }
        if (node == null || !node.isObject() || !node.path(StepMetrics.STEP).isIntegralNumber()) {
            throw new AlloException("metrics log " + file + " line " + number + " is not a JSON object with an"
                    + " integer 'step'");
        }
        String stage = node.path("stage").asText("");
        long step = node.get(StepMetrics.STEP).longValue();
        int epoch = node.path(StepMetrics.EPOCH).asInt(0);
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("stage")) {
                continue;
            }
            metrics.put(field.getKey(), value(file, number, field.getKey(), field.getValue()));
        }
        return new StepMetrics(stage, step, epoch, metrics);
    }

    private static double value(Path file, int number, String name, JsonNode value) {
        return JsonLinesLog.metricValue(value).orElseThrow(() -> new AlloException("metrics log " + file + " line "
                + number + ": '" + name + "' is " + value + ", expected a number or \"NaN\", \"Infinity\","
                + " \"-Infinity\""));
    }
}
