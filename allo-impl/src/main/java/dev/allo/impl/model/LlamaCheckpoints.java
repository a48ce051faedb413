package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.AlloException;
import dev.allo.impl.io.FloatConversion;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.HfCheckpointWriter;
import dev.allo.impl.io.SafetensorsDtype;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads and saves {@link LlamaModel}s as Hugging Face checkpoint directories: {@code config.json} beside
 * {@code model.safetensors}, or beside shards listed in {@code model.safetensors.index.json}, with the parameter
 * names of {@code LlamaForCausalLM}.
 *
 * <p>Two kinds of tensor that {@code transformers} itself ignores when loading are skipped rather than refused:
 * {@code lm_head.weight} in a checkpoint whose config ties the output head to the embeddings (older
 * {@code save_pretrained} versions wrote it), and the non-persistent rotary buffers
 * {@code model.layers.N.self_attn.rotary_emb.inv_freq} of old checkpoints. Every other missing, extra or misshapen
 * tensor is an error naming the directory and the tensor.
 */
public final class LlamaCheckpoints {
    private static final String ROTARY_BUFFER_SUFFIX = ".rotary_emb.inv_freq";
    private static final String LM_HEAD = "lm_head.weight";

    private LlamaCheckpoints() {}

    /**
     * Loads a model. BF16 and F16 weights are widened to float32 while reading (the engine cannot hold BF16).
     *
     * @param directory the checkpoint directory
     * @param device where the parameters go
     * @return the model, not trainable until {@link LlamaModel#setTrainable(boolean)}; the caller closes it
     * @throws AlloException if a file is missing or malformed, or the tensors do not match the config
     */
    public static LlamaModel load(Path directory, Device device) {
        LlamaConfig config = LlamaConfig.read(directory.resolve(HfCheckpoint.CONFIG_FILE));
        try (HfCheckpoint checkpoint = HfCheckpoint.open(directory);
                NDManager staging = NDManager.newBaseManager(device)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : checkpoint.names()) {
                if (name.endsWith(ROTARY_BUFFER_SUFFIX) || (config.tieWordEmbeddings() && name.equals(LM_HEAD))) {
                    continue;
                }
                tensors.put(name, checkpoint.read(name, staging, device, FloatConversion.TO_FLOAT32));
            }
            try {
                return LlamaModel.fromTensors(config, tensors, device);
            } catch (IllegalArgumentException e) {
                throw new AlloException("Checkpoint " + directory + " does not match its config.json: "
                        + e.getMessage(), e);
            }
        }
    }

    /**
     * Saves a model as float32 safetensors (single file) with its {@code config.json}, atomically: the directory is
     * written beside the target and renamed into place.
     *
     * @param model the model
     * @param directory the target directory; an existing one is replaced
     * @throws AlloException if the directory cannot be written
     */
    public static void save(LlamaModel model, Path directory) {
        save(model, directory, SafetensorsDtype.F32);
    }

    /**
     * Saves a model with its floating-point weights stored as {@code dtype} (F32, F16, or BF16 narrowed with
     * round-to-nearest-even).
     *
     * @param model the model
     * @param directory the target directory; an existing one is replaced
     * @param dtype how floating-point weights are stored
     * @throws AlloException if the directory cannot be written
     */
    public static void save(LlamaModel model, Path directory, SafetensorsDtype dtype) {
        new HfCheckpointWriter()
                .floatDtype(dtype)
                .overwrite(true)
                .file(HfCheckpoint.CONFIG_FILE, model.config().toJson().getBytes(StandardCharsets.UTF_8))
                .write(directory, model.parameters());
    }
}
