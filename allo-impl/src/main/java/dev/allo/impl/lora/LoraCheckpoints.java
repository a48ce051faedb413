package dev.allo.impl.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.impl.io.JsonFiles;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.io.SafetensorsFile;
import dev.allo.impl.io.SafetensorsWriter;
import dev.allo.impl.model.DecoderModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Saves and loads LoRA adapters in PEFT's directory layout, so that Python loads them with
 * {@code PeftModel.from_pretrained(base, dir)}:
 *
 * <pre>
 * dir/adapter_config.json         {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 8, "lora_alpha": 16.0,
 *                                  "lora_dropout": 0.0, "target_modules": ["q_proj", "v_proj"] (or "all-linear"),
 *                                  "base_model_name_or_path": "...", "bias": "none", "fan_in_fan_out": false,
 *                                  "use_rslora": false, "use_dora": false, "init_lora_weights": true,
 *                                  "inference_mode": true, "modules_to_save": null, "layers_to_transform": null}
 * dir/adapter_model.safetensors   base_model.model.model.layers.N.&lt;block&gt;.&lt;module&gt;.lora_A.weight (r, in),
 *                                 ....lora_B.weight (out, r), float32
 * </pre>
 *
 * <p>{@code adapter_config.json} is parsed with {@link JsonFiles#lenient()} (it is PEFT's file, read by Python's
 * {@code json} module): the library's read limits, content after the object refused, a repeated key's last value
 * winning.
 *
 * <p>Atomic: both files are written into a hidden temporary sibling directory that is then renamed into place; an
 * existing directory is refused unless {@code overwrite}, and is then renamed aside and deleted after the new one is
 * in place.
 */
public final class LoraCheckpoints {
    /** The adapter configuration file name. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** The adapter weights file name. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private static final ObjectMapper JSON = JsonFiles.lenient();

    private LoraCheckpoints() {}

    /**
     * Writes the adapters and their configuration.
     *
     * @param model the model whose adapters are saved (the base weights are not)
     * @param dir the adapter directory
     * @param overwrite whether an existing directory may be replaced
     * @throws IllegalArgumentException if {@code dir} exists and {@code overwrite} is false
     * @throws AlloException if writing fails; the target is then unchanged
     */
    public static void save(LoraModel model, Path dir, boolean overwrite) {
        save(model, dir, overwrite, Map.of());
    }

    /**
     * Writes the adapters and their configuration with more files beside them (for example a tokenizer's), all in
     * one atomic directory write.
     *
     * @param model the model whose adapters are saved (the base weights are not)
     * @param dir the adapter directory
     * @param overwrite whether an existing directory may be replaced
     * @param files more files by plain file name, neither of the adapter files
     * @throws IllegalArgumentException if {@code dir} exists and {@code overwrite} is false, or a file name is not a
     *     plain name or is one of the adapter files
     * @throws AlloException if writing fails; the target is then unchanged
     */
    public static void save(LoraModel model, Path dir, boolean overwrite, Map<String, byte[]> files) {
        for (String name : files.keySet()) {
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                    || name.equals(CONFIG_FILE) || name.equals(WEIGHTS_FILE)) {
                throw new IllegalArgumentException("extra file name must be a plain file name other than "
                        + CONFIG_FILE + " and " + WEIGHTS_FILE + ", got '" + name + "'");
            }
        }
        Path target = dir.toAbsolutePath();
        if (Files.exists(target) && !overwrite) {
            throw new IllegalArgumentException("adapter directory " + target + " already exists; pass overwrite=true"
                    + " to replace it");
        }
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            SafetensorsWriter.write(tmp.resolve(WEIGHTS_FILE), model.parameters(), SafetensorsDtype.F32);
            Files.write(tmp.resolve(CONFIG_FILE), configJson(model.loraConfig()).getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Files.write(tmp.resolve(f.getKey()), f.getValue());
            }
            Path old = null;
            if (Files.exists(target)) {
                old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
                AtomicFiles.move(target, old);
            }
            AtomicFiles.move(tmp, target);
            tmp = null;
            if (old != null) {
                AtomicFiles.deleteQuietly(old);
            }
        } catch (IOException e) {
            throw new AlloException("cannot write LoRA adapters to " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteQuietly(tmp);
            }
        }
    }

    /**
     * Loads adapters saved by {@link #save} or by PEFT's {@code save_pretrained} onto a base model.
     *
     * @param base the base model the adapters were trained on; not owned by the result
     * @param dir the adapter directory
     * @param dropoutSeed seeds the dropout masks
     * @return the model; the caller closes it
     * @throws AlloException naming the file and field if a file is missing or malformed, or uses a PEFT feature this
     *     implementation does not have (DoRA, rsLoRA, biases, per-module ranks, modules to save, layer subsets)
     * @throws IllegalArgumentException if the tensors do not fit the base model and config
     */
    public static LoraModel load(DecoderModel base, Path dir, long dropoutSeed) {
        LoraConfig config = readConfig(dir);
        Path weights = dir.resolve(WEIGHTS_FILE);
        try (SafetensorsFile file = SafetensorsFile.open(weights);
                NDManager scratch = NDManager.newBaseManager(base.device())) {
            Map<String, NDArray> tensors = file.readAll(scratch);
            return LoraModel.fromAdapters(base, config, tensors, dropoutSeed);
        }
    }

    /**
     * Reads and validates {@code adapter_config.json}.
     *
     * @param dir the adapter directory
     * @return the config
     * @throws AlloException naming the file and field for a missing file, malformed JSON, a wrong value or an
     *     unsupported PEFT feature
     */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new AlloException("LoRA adapter directory " + dir + " has no " + CONFIG_FILE);
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new AlloException(file + " is not valid JSON: " + JsonFiles.describe(e), e);
        } catch (IOException e) {
            throw new AlloException("cannot read " + file + ": " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new AlloException(file + " must hold a JSON object");
        }
        expectText(root, file, "peft_type", "LORA", true);
        expectText(root, file, "task_type", "CAUSAL_LM", false);
        expectText(root, file, "bias", "none", false);
        expectFalse(root, file, "use_dora");
        expectFalse(root, file, "use_rslora");
        expectFalse(root, file, "fan_in_fan_out");
        for (String f : List.of("modules_to_save", "layers_to_transform", "layers_pattern")) {
            if (root.hasNonNull(f) && !(root.get(f).isContainerNode() && root.get(f).isEmpty())) {
                throw new AlloException(file + ": field '" + f + "' must be null, got " + root.get(f)
                        + " (not supported)");
            }
        }
        for (String f : List.of("rank_pattern", "alpha_pattern")) {
            if (root.hasNonNull(f) && !root.get(f).isEmpty()) {
                throw new AlloException(file + ": field '" + f + "' must be empty, got " + root.get(f)
                        + " (per-module ranks are not supported)");
            }
        }
        JsonNode r = root.get("r");
        JsonNode alpha = root.get("lora_alpha");
        if (r == null || !r.canConvertToInt() || !r.isIntegralNumber()) {
            throw new AlloException(file + ": field 'r' must be an integer, got " + r);
        }
        if (alpha == null || !alpha.isNumber()) {
            throw new AlloException(file + ": field 'lora_alpha' must be a number, got " + alpha);
        }
        JsonNode dropout = root.get("lora_dropout");
        if (dropout != null && !dropout.isNull() && !dropout.isNumber()) {
            throw new AlloException(file + ": field 'lora_dropout' must be a number, got " + dropout);
        }
        JsonNode targets = root.get("target_modules");
        List<String> modules = new ArrayList<>();
        if (targets != null && targets.isTextual()) {
            modules.add(targets.asText());
        } else if (targets != null && targets.isArray()) {
            for (JsonNode t : targets) {
                if (!t.isTextual()) {
                    throw new AlloException(file + ": field 'target_modules' must hold strings, got " + t);
                }
                modules.add(t.asText());
            }
        } else {
            throw new AlloException(file + ": field 'target_modules' must be a list of module names or"
                    + " \"all-linear\", got " + targets);
        }
        String baseName = root.hasNonNull("base_model_name_or_path") ? root.get("base_model_name_or_path").asText()
                : "";
        try {
            return new LoraConfig(r.asInt(), alpha.asDouble(), dropout == null ? 0.0 : dropout.asDouble(), modules,
                    baseName);
        } catch (IllegalArgumentException e) {
            throw new AlloException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The {@code adapter_config.json} text of a config.
     *
     * @param config the config
     * @return pretty-printed JSON
     */
    public static String configJson(LoraConfig config) {
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", "LORA");
        root.put("task_type", "CAUSAL_LM");
        root.put("base_model_name_or_path", config.baseModelNameOrPath());
        root.put("r", config.rank());
        root.put("lora_alpha", config.alpha());
        root.put("lora_dropout", config.dropout());
        if (config.targetModules().equals(List.of(LoraConfig.ALL_LINEAR))) {
            root.put("target_modules", LoraConfig.ALL_LINEAR);
        } else {
            ArrayNode arr = root.putArray("target_modules");
            config.targetModules().forEach(arr::add);
        }
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("use_rslora", false);
        root.put("use_dora", false);
        root.put("init_lora_weights", true);
        root.put("inference_mode", true);
        root.putNull("modules_to_save");
        root.putNull("layers_to_transform");
        root.putNull("layers_pattern");
        root.putObject("rank_pattern");
        root.putObject("alpha_pattern");
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot encode adapter_config.json: " + e.getMessage(), e);
        }
    }

    private static void expectText(JsonNode root, Path file, String field, String expected, boolean required) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new AlloException(file + ": field '" + field + "' is missing, expected \"" + expected + "\"");
            }
            return;
        }
        if (!v.isTextual() || !v.asText().equals(expected)) {
            throw new AlloException(file + ": field '" + field + "' must be \"" + expected + "\", got " + v);
        }
    }

    private static void expectFalse(JsonNode root, Path file, String field) {
        JsonNode v = root.get(field);
        if (v != null && !v.isNull() && !(v.isBoolean() && !v.asBoolean())) {
            throw new AlloException(file + ": field '" + field + "' must be false, got " + v + " (not supported)");
        }
    }
}
