package dev.allo.impl.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.data.BatchPosition;
import dev.allo.impl.io.JsonFiles;
import dev.allo.train.StepMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The scalar part of a stage checkpoint, stored as its {@code state.json}, and that file's codec. The file is one
 * JSON object; every field is required (the two fingerprints may be {@code null}) and is checked on reading:
 *
 * <ul>
 *   <li>{@code format}: {@value #FORMAT};
 *   <li>{@code stage}: the stage's name;
 *   <li>{@code step} (at least 1), {@code epoch}, {@code batch} (at least 0): steps taken and the next batch's
 *       position;
 *   <li>{@code pairs} (at least 1), {@code dataSeed}: the training data's size and the batch order's seed;
 *   <li>{@code optimizer}, {@code optimizerStep}, {@code maskFingerprint}: the optimiser's kind, step count and
 *       mask;
 *   <li>{@code referenceFingerprint}: the reference log-probs' fingerprint, or {@code null};
 *   <li>{@code startFingerprint}: CRC32 of the policy's weights at the stage start, recorded when the stage asks for
 *       it, else {@code null};
 *   <li>{@code objectiveState}: the objective's state, name to array of finite numbers;
 *   <li>{@code lastStep}: the metrics of step {@code step} ({@code epoch}, {@code metrics}; non-finite values as the
 *       strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"});
 *   <li>{@code files}: every other file of the checkpoint by relative path, with its {@code bytes} and
 *       {@code crc32};
 *   <li>{@code crc32}: the CRC32 of the UTF-8 bytes of this object serialised without this field, as written.
 * </ul>
 *
 * <p>The file is parsed with {@link JsonFiles#strict()}: duplicate keys and content after the object are refused.
 * A malformed file, a missing field, a value of the wrong type or out of range, or a self-checksum mismatch is an
 * {@link AlloException} naming the file and the field.
 *
 * @param stage the stage's name
 * @param step optimiser steps taken, at least 1
 * @param position the next batch's position
 * @param pairs the number of training pairs
 * @param dataSeed the batch config's seed
 * @param optimizer the optimiser's kind
 * @param optimizerStep the optimiser's step count
 * @param maskFingerprint the mask's fingerprint
 * @param referenceFingerprint the reference log-probs' fingerprint, or null
 * @param startFingerprint the starting weights' fingerprint, or null
 * @param objectiveState the objective's state
 * @param lastStep the metrics of the last step taken
 * @param files the checksums of the checkpoint's other files
 */
record CheckpointState(String stage, long step, BatchPosition position, int pairs, long dataSeed, String optimizer,
        long optimizerStep, long maskFingerprint, String referenceFingerprint, String startFingerprint,
        Map<String, double[]> objectiveState, StepMetrics lastStep, Map<String, CheckpointFiles.Entry> files) {
    static final int FORMAT = 2;
    private static final ObjectMapper JSON = JsonFiles.strict();
    private static final String CRC = "crc32";

    /** The file's content, self-checksum included. */
    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("stage", stage);
        root.put("step", step);
        root.put("epoch", position.epoch());
        root.put("batch", position.batch());
        root.put("pairs", pairs);
        root.put("dataSeed", dataSeed);
        root.put("optimizer", optimizer);
        root.put("optimizerStep", optimizerStep);
        root.put("maskFingerprint", maskFingerprint);
        root.put("referenceFingerprint", referenceFingerprint);
        root.put("startFingerprint", startFingerprint);
        ObjectNode objective = root.putObject("objectiveState");
        objectiveState.forEach((k, v) -> {
            ArrayNode a = objective.putArray(k);
            for (double d : v) {
                a.add(d);
            }
        });
        ObjectNode last = root.putObject("lastStep");
        last.put("epoch", lastStep.epoch());
        ObjectNode metrics = last.putObject("metrics");
        lastStep.metrics().forEach((k, v) -> {
            if (Double.isFinite(v)) {
                metrics.put(k, v);
            } else {
                metrics.put(k, Double.toString(v));
            }
        });
        ObjectNode fileNodes = root.putObject("files");
        files.forEach((k, v) -> {
            ObjectNode f = fileNodes.putObject(k);
            f.put("bytes", v.bytes());
            f.put(CRC, v.crc32());
        });
        root.put(CRC, crc(root));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot encode the checkpoint state of stage '" + stage + "': " + e, e);
        }
    }

    /**
     * Reads and checks a {@code state.json}.
     *
     * @param file the file
     * @return the state
     * @throws AlloException naming the file and field if it is missing, malformed, fails its checksum or holds a
     *     value of the wrong type or out of range
     */
    static CheckpointState read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new AlloException("no stage checkpoint in " + file.getParent() + ": " + file.getFileName()
                    + " is missing");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new AlloException("stage checkpoint state " + file + " is not valid JSON: "
                    + JsonFiles.describe(e), e);
        } catch (IOException e) {
            throw new AlloException("cannot read stage checkpoint state " + file + ": " + e, e);
        }
        Fields f = new Fields(file, root);
        if (!(root instanceof ObjectNode object)) {
            throw f.bad("", "a JSON object", root);
        }
        long format = f.integer(root, "format", 0, Long.MAX_VALUE);
        if (format != FORMAT) {
            throw new AlloException("stage checkpoint state " + file + " has format " + format + ", expected "
                    + FORMAT + " (written by another version of this library)");
        }
        long storedCrc = f.integer(root, CRC, 0, 0xFFFF_FFFFL);
        ObjectNode body = object.deepCopy();
        body.remove(CRC);
        long computed = crc(body);
        if (computed != storedCrc) {
            throw new AlloException(String.format("stage checkpoint state %s is corrupted: field 'crc32' is %08x,"
                    + " the content's CRC32 is %08x", file, storedCrc, computed));
        }
        String stage = f.text(root, "stage", false);
        long step = f.integer(root, "step", 1, Long.MAX_VALUE);
        int epoch = (int) f.integer(root, "epoch", 0, Integer.MAX_VALUE);
        int batch = (int) f.integer(root, "batch", 0, Integer.MAX_VALUE);
        int pairs = (int) f.integer(root, "pairs", 1, Integer.MAX_VALUE);
        long seed = f.integer(root, "dataSeed", Long.MIN_VALUE, Long.MAX_VALUE);
        String optimizer = f.text(root, "optimizer", false);
        long optimizerStep = f.integer(root, "optimizerStep", 0, Long.MAX_VALUE);
        long mask = f.integer(root, "maskFingerprint", Long.MIN_VALUE, Long.MAX_VALUE);
        String reference = f.text(root, "referenceFingerprint", true);
        String start = f.text(root, "startFingerprint", true);
        Map<String, double[]> objective = new LinkedHashMap<>();
        JsonNode objectiveNode = f.object(root, "objectiveState");
        for (Iterator<Map.Entry<String, JsonNode>> it = objectiveNode.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "objectiveState." + e.getKey();
            if (!e.getValue().isArray()) {
                throw f.bad(field, "an array of numbers", e.getValue());
            }
            double[] values = new double[e.getValue().size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode v = e.getValue().get(i);
                if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
                    throw f.bad(field + "[" + i + "]", "a finite number", v);
                }
                values[i] = v.doubleValue();
            }
            objective.put(e.getKey(), values);
        }
        JsonNode lastNode = f.object(root, "lastStep");
        int lastEpoch = (int) f.integer(lastNode, "lastStep.epoch", "epoch", 0, Integer.MAX_VALUE);
        JsonNode metricsNode = f.object(lastNode, "lastStep.metrics", "metrics");
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = metricsNode.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            metrics.put(e.getKey(), f.metric("lastStep.metrics." + e.getKey(), e.getValue()));
        }
        Map<String, CheckpointFiles.Entry> files = new LinkedHashMap<>();
        JsonNode filesNode = f.object(root, "files");
        for (Iterator<Map.Entry<String, JsonNode>> it = filesNode.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "files." + e.getKey();
            if (!e.getValue().isObject()) {
                throw f.bad(field, "an object with 'bytes' and 'crc32'", e.getValue());
            }
            files.put(e.getKey(), new CheckpointFiles.Entry(
                    f.integer(e.getValue(), field + ".bytes", "bytes", 0, Long.MAX_VALUE),
                    f.integer(e.getValue(), field + ".crc32", CRC, 0, 0xFFFF_FFFFL)));
        }
        return new CheckpointState(stage, step, new BatchPosition(epoch, batch), pairs, seed, optimizer,
                optimizerStep, mask, reference, start, objective, new StepMetrics(stage, step, lastEpoch, metrics),
                files);
    }

    private static long crc(ObjectNode body) {
        try {
            CRC32 crc = new CRC32();
            crc.update(JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
            return crc.getValue();
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot encode a checkpoint state: " + e, e);
        }
    }

    /** Typed access to the fields of one file, with errors naming the file and field. */
    private record Fields(Path file, JsonNode root) {

        long integer(JsonNode node, String name, long min, long max) {
            return integer(node, name, name, min, max);
        }

        long integer(JsonNode node, String path, String name, long min, long max) {
            JsonNode v = required(node, path, name);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw bad(path, "an integer", v);
            }
            long value = v.longValue();
            if (value < min || value > max) {
                throw new AlloException("stage checkpoint state " + file + ": field '" + path + "' is " + value
                        + ", expected " + (max == Long.MAX_VALUE ? "at least " + min : min + " to " + max));
            }
            return value;
        }

        String text(JsonNode node, String name, boolean nullable) {
            JsonNode v = required(node, name, name);
            if (v.isNull() && nullable) {
                return null;
            }
            if (!v.isTextual()) {
                throw bad(name, nullable ? "a string or null" : "a string", v);
            }
            return v.textValue();
        }

        JsonNode object(JsonNode node, String name) {
            return object(node, name, name);
        }

        JsonNode object(JsonNode node, String path, String name) {
            JsonNode v = required(node, path, name);
            if (!v.isObject()) {
                throw bad(path, "an object", v);
            }
            return v;
        }

        double metric(String path, JsonNode v) {
            return JsonLinesLog.metricValue(v).orElseThrow(
                    () -> bad(path, "a number or \"NaN\", \"Infinity\", \"-Infinity\"", v));
        }

        private JsonNode required(JsonNode node, String path, String name) {
            JsonNode v = node.get(name);
            if (v == null) {
                throw new AlloException("stage checkpoint state " + file + ": required field '" + path
                        + "' is missing");
            }
            return v;
        }

        AlloException bad(String path, String expected, JsonNode found) {
            return new AlloException("stage checkpoint state " + file + ": field '" + path + "' must be " + expected
                    + ", found " + found);
        }
    }
}
