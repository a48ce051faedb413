package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.allo.AlloException;
import dev.allo.impl.io.FloatConversion;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.HfCheckpointWriter;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.io.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads and saves {@link DecoderModel}s as Hugging Face checkpoint directories: {@code config.json} beside
 * {@code model.safetensors}, or beside shards listed in {@code model.safetensors.index.json}, with the parameter
 * names of {@code LlamaForCausalLM}.
 *
 * <p>Two kinds of tensor that {@code transformers} itself ignores when loading are skipped rather than refused:
 * {@code lm_head.weight} in a checkpoint whose config ties the output head to the embeddings (older
 * {@code save_pretrained} versions wrote it), and the non-persistent rotary buffers
 * {@code model.layers.N.self_attn.rotary_emb.inv_freq} of old checkpoints. Every other missing, extra or misshapen
 * tensor is an error naming the directory and the tensor.
 */
public final class DecoderCheckpoints {
    private static final String ROTARY_BUFFER_SUFFIX = ".rotary_emb.inv_freq";
    private static final String LM_HEAD = "lm_head.weight";
    /** A layer's tensor name; the index has at most 9 digits, so it fits in an int. */
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(0|[1-9][0-9]{0,8})\\.");
    /** The generation defaults file written beside {@code config.json}. */
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";

    private DecoderCheckpoints() {}

    /**
     * Loads a model. BF16 and F16 weights are widened to float32 while reading (the engine cannot hold BF16). The
     * model's config records the type the weights were stored as in {@code torch_dtype} (and in {@code dtype}, when
     * the file has that field): the common type when every floating-point weight had the same one, otherwise
     * {@code float32}; {@link #storedDtype(DecoderConfig)} reads it back.
     *
     * @param directory the checkpoint directory
     * @param device where the parameters go
     * @return the model, not trainable until {@link DecoderModel#setTrainable(boolean)}; the caller closes it
     * @throws AlloException if a file is missing or malformed, or the tensors do not match the config
     */
    public static DecoderModel load(Path directory, Device device) {
        return load(directory, device, Set.of(), HalfFormat.BF16);
    }

    /**
     * Loads a model that holds some weights in 16 bits from the start ({@link DecoderModel#storeInHalf}), for
     * weights no optimiser will change (the frozen base under LoRA, a reference model, weights outside every mask).
     * A BF16-stored weight held in {@link HalfFormat#BF16} is read as its bytes, never widened (exact, and the
     * fastest path); any other is read as float32 and narrowed. The other weights load as {@link #load(Path, Device)}
     * loads them.
     *
     * @param directory the checkpoint directory
     * @param device where the weights go
     * @param half the names of the weights to hold in 16 bits; may be empty
     * @param format their format
     * @return the model, not trainable until {@link DecoderModel#setTrainable(boolean)}; the caller closes it
     * @throws AlloException if a file is missing or malformed, or the tensors do not match the config
     * @throws IllegalArgumentException if {@code half} names a weight the config does not have, or (F16) a value
     *     overflows F16
     */
    public static DecoderModel load(Path directory, Device device, Set<String> half, HalfFormat format) {
        Path configFile = directory.resolve(HfCheckpoint.CONFIG_FILE);
        DecoderConfig config = DecoderConfig.read(configFile);
        for (String name : half) {
            if (!config.parameterShapes().containsKey(name)) {
                throw new IllegalArgumentException("cannot hold '" + name + "' in 16 bits: " + configFile
                        + " implies no such weight");
            }
        }
        try (HfCheckpoint checkpoint = HfCheckpoint.open(directory)) {
            List<String> names = new ArrayList<>();
            for (String name : checkpoint.names()) {
                if (!name.endsWith(ROTARY_BUFFER_SUFFIX) && !(config.tieWordEmbeddings() && name.equals(LM_HEAD))) {
                    names.add(name);
                }
            }
            checkBeforeReading(config, configFile, checkpoint, names);
            config = withTorchDtype(config, commonFloatDtype(checkpoint, names));
            // The arrays are read straight into the model's manager: no staging copy.
            NDManager manager = NDManager.newBaseManager(device);
            try {
                Map<String, NDArray> floats = new LinkedHashMap<>();
                Map<String, HalfWeight> halves = new LinkedHashMap<>();
                for (String name : names) {
                    if (!half.contains(name)) {
                        floats.put(name, checkpoint.read(name, manager, device, FloatConversion.TO_FLOAT32));
                    } else if (format == HalfFormat.BF16
                            && checkpoint.info(name).dtype() == SafetensorsDtype.BF16) {
                        halves.put(name, HalfWeight.ofBf16Bytes(checkpoint.readBf16Bytes(name, manager, device),
                                checkpoint.info(name).shape()));
                    } else {
                        try (NDManager scratch = manager.newSubManager()) {
                            NDArray f = checkpoint.read(name, scratch, device, FloatConversion.TO_FLOAT32);
                            halves.put(name, HalfWeight.narrow(name, f, format, manager));
                        }
                    }
                }
                try {
                    return DecoderModel.adopt(config, floats, halves, manager);
                } catch (IllegalArgumentException e) {
                    throw new AlloException("Checkpoint " + directory + " does not match its config.json: "
                            + e.getMessage(), e);
                }
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
    }

    /**
     * Compares the config with the tensors' headers before anything is read or any per-layer structure is built: the
     * layers present first (so that an absurd {@code num_hidden_layers} fails at once), then every expected name and
     * shape.
     */
    private static void checkBeforeReading(DecoderConfig config, Path configFile, HfCheckpoint checkpoint,
            List<String> names) {
        Set<Integer> layers = new TreeSet<>();
        for (String name : names) {
            Matcher m = LAYER.matcher(name);
            if (m.lookingAt()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        int declared = config.numHiddenLayers();
        int outside = layers.stream().filter(l -> l >= declared).findFirst().orElse(-1);
        if (layers.size() != declared || outside >= 0) {
            throw new AlloException(configFile + " declares num_hidden_layers = " + declared + ", but checkpoint "
                    + checkpoint.directory() + " holds tensors of " + layers.size() + " layers"
                    + (outside >= 0 ? " (including model.layers." + outside + ")" : ""));
        }
        Map<String, Shape> expected = config.parameterShapes();
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!checkpoint.contains(name)) {
                missing.add(name);
            }
        }
        List<String> extra = names.stream().filter(n -> !expected.containsKey(n)).toList();
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new AlloException("Checkpoint " + checkpoint.directory() + " does not match its config.json "
                    + configFile + " (num_hidden_layers=" + declared + ", tie_word_embeddings="
                    + config.tieWordEmbeddings() + ")" + (missing.isEmpty() ? "" : "; missing " + missing.size()
                            + ": " + abbreviate(missing)) + (extra.isEmpty() ? "" : "; unexpected " + extra.size()
                            + ": " + abbreviate(extra)));
        }
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            TensorInfo info = checkpoint.info(e.getKey());
            if (!info.shape().equals(e.getValue())) {
                throw new AlloException("tensor '" + e.getKey() + "' in " + info.file() + " has shape "
                        + info.shape() + ", but " + configFile + " implies " + e.getValue() + " (hidden_size="
                        + config.hiddenSize() + ", intermediate_size=" + config.intermediateSize()
                        + ", num_attention_heads=" + config.numAttentionHeads() + ", num_key_value_heads="
                        + config.numKeyValueHeads() + ", head_dim=" + config.headDim() + ", vocab_size="
                        + config.vocabSize() + ")");
            }
        }
    }

    private static String abbreviate(List<String> names) {
        int shown = Math.min(names.size(), 8);
        String list = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? list + ", ..." : list;
    }

    /**
     * Saves a model as float32 safetensors (single file unless over 5 GB) with its {@code config.json} and
     * {@code generation_config.json}, atomically: the directory is
     * written beside the target and renamed into place.
     *
     * @param model the model
     * @param directory the target directory; an existing one is replaced
     * @throws AlloException if the directory cannot be written
     */
    public static void save(DecoderModel model, Path directory) {
        save(model, directory, SafetensorsDtype.F32);
    }

    /**
     * Saves a model with its floating-point weights stored as {@code dtype} (F32, F16, or BF16 narrowed with
     * round-to-nearest-even), in one file unless it exceeds {@link HfCheckpointWriter#DEFAULT_MAX_SHARD_BYTES}.
     *
     * @param model the model
     * @param directory the target directory; an existing one is replaced
     * @param dtype how floating-point weights are stored
     * @throws AlloException if the directory cannot be written
     */
    public static void save(DecoderModel model, Path directory, SafetensorsDtype dtype) {
        save(model, directory, dtype, HfCheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Saves a model as a directory that {@code transformers}' {@code AutoModelForCausalLM.from_pretrained} loads:
     * {@code config.json} (the family's fields, {@code torch_dtype} set to the stored type),
     * {@code generation_config.json} (the config's special tokens, as {@code GenerationConfig.from_model_config}
     * derives them), and the weights as {@code model.safetensors}, or as shards with
     * {@code model.safetensors.index.json} when they exceed {@code maxShardBytes}.
     *
     * @param model the model
     * @param directory the target directory; an existing one is replaced
     * @param dtype how floating-point weights are stored (F32, F16 or BF16)
     * @param maxShardBytes the largest tensor data per shard, positive
     * @throws AlloException if the directory cannot be written
     */
    public static void save(DecoderModel model, Path directory, SafetensorsDtype dtype, long maxShardBytes) {
        save(model, directory, dtype, maxShardBytes, Map.of());
    }

    /**
     * Saves a model as {@link #save(DecoderModel, Path, SafetensorsDtype, long)} does, with more files beside it (for
     * example a tokenizer's, from {@link dev.allo.impl.tokenizer.TokenizerFiles#of}) in the same atomic directory
     * write: a reader sees either the previous directory or the complete new one.
     *
     * @param model the model
     * @param directory the target directory; an existing one is replaced
     * @param dtype how floating-point weights are stored (F32, F16 or BF16)
     * @param maxShardBytes the largest tensor data per shard, positive
     * @param files more files by plain file name, neither {@code config.json}, {@code generation_config.json} nor a
     *     weights file
     * @throws IllegalArgumentException if a file name is taken by the checkpoint's own files or is not plain
     * @throws AlloException if the directory cannot be written
     */
    public static void save(DecoderModel model, Path directory, SafetensorsDtype dtype, long maxShardBytes,
            Map<String, byte[]> files) {
        HfCheckpointWriter writer = new HfCheckpointWriter()
                .floatDtype(dtype)
                .maxShardBytes(maxShardBytes)
                .overwrite(true)
                .file(HfCheckpoint.CONFIG_FILE, configJson(model.config(), dtype).getBytes(StandardCharsets.UTF_8))
                .file(GENERATION_CONFIG_FILE, generationConfigJson(model.config()).getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            if (f.getKey().equals(HfCheckpoint.CONFIG_FILE) || f.getKey().equals(GENERATION_CONFIG_FILE)) {
                throw new IllegalArgumentException("file '" + f.getKey() + "' is written from the model's config;"
                        + " it cannot be passed among the extra files");
            }
            writer.file(f.getKey(), f.getValue());
        }
        try (NDManager widened = model.manager().newSubManager()) {
            writer.write(directory, model.weights(widened)); // 16-bit weights widened exactly, then stored as dtype
        }
    }

    /**
     * The type a model's weights were stored as when it was loaded: the {@code torch_dtype} of its config (or
     * {@code dtype}, the name newer {@code transformers} versions write), F32 when neither names float16 or
     * bfloat16 (a model built in memory, for example).
     *
     * @param config the model's configuration
     * @return F32, F16 or BF16
     */
    public static SafetensorsDtype storedDtype(DecoderConfig config) {
        Map<String, JsonNode> extras = config.extraFields();
        JsonNode named = extras.containsKey("torch_dtype") ? extras.get("torch_dtype") : extras.get("dtype");
        String name = named == null || !named.isTextual() ? "float32" : named.textValue();
        return switch (name) {
            case "bfloat16" -> SafetensorsDtype.BF16;
            case "float16" -> SafetensorsDtype.F16;
            default -> SafetensorsDtype.F32;
        };
    }

    /** The type shared by every floating-point tensor read, else F32 (also for a checkpoint without floats). */
    private static SafetensorsDtype commonFloatDtype(HfCheckpoint checkpoint, List<String> names) {
        SafetensorsDtype common = null;
        for (String name : names) {
            SafetensorsDtype d = checkpoint.info(name).dtype();
            if (!d.isFloating()) {
                continue;
            }
            if (common != null && common != d) {
                return SafetensorsDtype.F32;
            }
            common = d;
        }
        return common == SafetensorsDtype.F16 || common == SafetensorsDtype.BF16 ? common : SafetensorsDtype.F32;
    }

    /**
     * The {@code config.json} text of a checkpoint stored as {@code dtype}: {@code torch_dtype} (and
     * {@code dtype}, the name newer {@code transformers} versions write, when the config already had it) names the
     * stored type.
     *
     * @param config the configuration
     * @param dtype the stored floating-point type
     * @return the JSON text
     */
    static String configJson(DecoderConfig config, SafetensorsDtype dtype) {
        return withTorchDtype(config, dtype).toJson();
    }

    /** The config with {@code torch_dtype} (and {@code dtype}, when present) naming {@code dtype}. */
    private static DecoderConfig withTorchDtype(DecoderConfig config, SafetensorsDtype dtype) {
        String torchName = switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException("weights must be stored as F32, F16 or BF16, got " + dtype);
        };
        Map<String, JsonNode> extras = new LinkedHashMap<>(config.extraFields());
        extras.put("torch_dtype", TextNode.valueOf(torchName));
        if (extras.containsKey("dtype")) {
            extras.put("dtype", TextNode.valueOf(torchName));
        }
        return config.toBuilder().extraFields(extras).build();
    }

    /**
     * The {@code generation_config.json} that {@code transformers} derives from a model config: the special token
     * ids that are set.
     *
     * @param config the configuration
     * @return the JSON text
     */
    static String generationConfigJson(DecoderConfig config) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("_from_model_config", true);
        if (config.bosTokenId() != null) {
            o.put("bos_token_id", config.bosTokenId());
        }
        if (config.eosTokenIds().size() == 1) {
            o.put("eos_token_id", config.eosTokenIds().get(0));
        } else if (!config.eosTokenIds().isEmpty()) {
            ArrayNode eos = o.putArray("eos_token_id");
            config.eosTokenIds().forEach(eos::add);
        }
        if (config.padTokenId() != null) {
            o.put("pad_token_id", config.padTokenId());
        }
        return o.toPrettyString() + "\n";
    }
}
