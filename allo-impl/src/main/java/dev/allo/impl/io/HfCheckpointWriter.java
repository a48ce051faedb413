package dev.allo.impl.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes a Hugging Face checkpoint directory that {@code transformers} loads with {@code from_pretrained}: the
 * weights as {@code model.safetensors}, or as shards {@code model-00001-of-0000K.safetensors} plus
 * {@code model.safetensors.index.json} when they exceed the shard size, and beside them {@code config.json} and any
 * other files the caller passes (the config is the model's business: pass its JSON to {@link #config(JsonNode)}).
 *
 * <p>Sharding follows {@code save_pretrained}: tensors are taken in the map's order and a new shard starts when the
 * next tensor would push the current one past {@link #maxShardBytes(long)} (a tensor larger than the limit gets a
 * shard of its own). The index holds {@code {"metadata": {"total_size": sum of tensor bytes}, "weight_map": {name:
 * shard}}}, names sorted. Within each file the layout is {@link SafetensorsWriter}'s.
 *
 * <p>Atomicity: the whole directory is written under a temporary name beside the target (every file forced to disk)
 * and then renamed into place, so a reader never sees a mixture of old and new files. An existing target is refused
 * unless {@link #overwrite(boolean)} is set; then it is renamed aside, the new directory renamed in, and the old one
 * deleted: the directory is replaced as a whole, so every file it should keep must be passed to this writer. Should
 * the process die between those two renames, the previous checkpoint survives as {@code .<name>.old-<id>} beside the
 * target.
 *
 * <pre>{@code
 * new HfCheckpointWriter().floatDtype(SafetensorsDtype.BF16).config(configJson)
 *     .write(outputDir, model.parameters());
 * }</pre>
 */
public final class HfCheckpointWriter {
    /** The default shard limit, 5 GB, as {@code save_pretrained}'s default {@code max_shard_size="5GB"}. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private SafetensorsDtype floatDtype = SafetensorsDtype.F32;
    private long maxShardBytes = DEFAULT_MAX_SHARD_BYTES;
    private boolean overwrite;
    private final Map<String, byte[]> extraFiles = new LinkedHashMap<>();

    /** Creates a writer: F32 floats, 5 GB shards, no extra files, no overwriting. */
    public HfCheckpointWriter() {}

    /**
     * Sets how floating arrays are stored.
     *
     * @param dtype F32 (the default), F16, BF16 or F64
     * @return this writer
     * @throws IllegalArgumentException for any other dtype
     */
    public HfCheckpointWriter floatDtype(SafetensorsDtype dtype) {
        this.floatDtype = SafetensorsWriter.requireWritableFloat(dtype, "floatDtype");
        return this;
    }

    /**
     * Sets the shard size limit.
     *
     * @param bytes the largest tensor data per shard, positive; {@link #DEFAULT_MAX_SHARD_BYTES} by default
     * @return this writer
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public HfCheckpointWriter maxShardBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + bytes);
        }
        this.maxShardBytes = bytes;
        return this;
    }

    /**
     * Sets whether an existing target directory is replaced.
     *
     * @param replace true to replace the whole directory; false (the default) to refuse
     * @return this writer
     */
    public HfCheckpointWriter overwrite(boolean replace) {
        this.overwrite = replace;
        return this;
    }

    /**
     * Writes {@code config.json}, pretty-printed.
     *
     * @param config the configuration object
     * @return this writer
     * @throws IllegalArgumentException if {@code config} is not a JSON object
     */
    public HfCheckpointWriter config(JsonNode config) {
        Objects.requireNonNull(config, "config");
        if (!(config instanceof ObjectNode)) {
            throw new IllegalArgumentException("config must be a JSON object, got " + config.getNodeType());
        }
        try {
            byte[] json = SafetensorsHeader.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
            byte[] withNewline = Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return file(HfCheckpoint.CONFIG_FILE, withNewline);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("config cannot be encoded as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Adds a file to write beside the weights, for example {@code config.json}, {@code generation_config.json} or
     * {@code tokenizer.json}; the bytes are copied.
     *
     * @param name a plain file name (no directories)
     * @param content the file's bytes
     * @return this writer
     * @throws IllegalArgumentException if the name is not a plain file name or is a weights file name
     */
    public HfCheckpointWriter file(String name, byte[] content) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(content, "content");
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("file name must be a plain file name, got '" + name + "'");
        }
        if (name.equals(HfCheckpoint.SINGLE_FILE) || name.equals(HfCheckpoint.INDEX_FILE)
                || name.toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw new IllegalArgumentException("file name '" + name + "' is reserved for the weights");
        }
        extraFiles.put(name, content.clone());
        return this;
    }

    /**
     * Writes the checkpoint, floating arrays as the {@linkplain #floatDtype(SafetensorsDtype) float dtype}.
     *
     * @param directory the checkpoint directory to create (or replace, with {@link #overwrite(boolean)})
     * @param tensors name to array, in the order used for sharding
     * @throws AlloException if the target exists and overwriting is off, or writing fails (the target is then
     *     unchanged and no temporary files remain)
     * @throws IllegalArgumentException if there are no tensors or an array cannot be stored
     */
    public void write(Path directory, Map<String, NDArray> tensors) {
        write(directory, tensors, Map.of());
    }

    /**
     * Writes the checkpoint with per-tensor dtypes, for example to save every tensor back in the dtype it was read
     * from ({@link TensorInfo#dtype()}).
     *
     * @param directory the checkpoint directory to create (or replace, with {@link #overwrite(boolean)})
     * @param tensors name to array, in the order used for sharding
     * @param dtypes dtypes for some tensors; the others use the defaults of {@link SafetensorsWriter#add(String,
     *     NDArray)} with this writer's float dtype
     * @throws AlloException if the target exists and overwriting is off, or writing fails
     * @throws IllegalArgumentException if there are no tensors, {@code dtypes} names an unknown tensor, or an array
     *     cannot be stored as asked
     */
    public void write(Path directory, Map<String, NDArray> tensors, Map<String, SafetensorsDtype> dtypes) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(dtypes, "dtypes");
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("tensors must not be empty");
        }
        for (String name : dtypes.keySet()) {
            if (!tensors.containsKey(name)) {
                throw new IllegalArgumentException("dtypes names tensor '" + name + "', which is not among tensors");
            }
        }
        Path target = directory.toAbsolutePath().normalize();
        checkTarget(target);
        List<SafetensorsWriter> shards = planShards(tensors, dtypes);
        Path parent = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            writeInto(tmp, shards);
            checkTarget(target);
            commit(tmp, target);
            tmp = null;
        } catch (IOException e) {
            throw new AlloException("cannot write checkpoint directory " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteQuietly(tmp);
            }
        }
    }

    private void checkTarget(Path target) {
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new AlloException("cannot write a checkpoint directory at " + target
                        + ": a file of that name exists");
            }
            if (!overwrite) {
                throw new AlloException("checkpoint directory " + target
                        + " already exists; call overwrite(true) to replace it");
            }
        }
    }

    private List<SafetensorsWriter> planShards(Map<String, NDArray> tensors, Map<String, SafetensorsDtype> dtypes) {
        List<SafetensorsWriter> shards = new ArrayList<>();
        SafetensorsWriter current = null;
        long currentBytes = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            SafetensorsDtype dtype = dtypes.containsKey(e.getKey()) ? dtypes.get(e.getKey())
                    : defaultDtype(e.getKey(), e.getValue());
            long bytes = Math.multiplyExact(e.getValue().size(), dtype.byteSize());
            if (current == null || (currentBytes > 0 && currentBytes + bytes > maxShardBytes)) {
                current = new SafetensorsWriter();
                shards.add(current);
                currentBytes = 0;
            }
            current.add(e.getKey(), e.getValue(), dtype);
            currentBytes += bytes;
        }
        return shards;
    }

    private SafetensorsDtype defaultDtype(String name, NDArray array) {
        try {
            return SafetensorsWriter.defaultDtype(array, floatDtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    private void writeInto(Path dir, List<SafetensorsWriter> shards) throws IOException {
        if (shards.size() == 1) {
            shards.get(0).write(dir.resolve(HfCheckpoint.SINGLE_FILE));
        } else {
            Map<String, String> weightMap = new TreeMap<>();
            long totalSize = 0;
            for (int i = 0; i < shards.size(); i++) {
                String shardName = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
                SafetensorsWriter shard = shards.get(i);
                shard.write(dir.resolve(shardName));
                totalSize += shard.dataBytes();
                for (String tensor : shard.names()) {
                    weightMap.put(tensor, shardName);
                }
            }
            AtomicFiles.write(dir.resolve(HfCheckpoint.INDEX_FILE), index(totalSize, weightMap));
        }
        for (Map.Entry<String, byte[]> f : extraFiles.entrySet()) {
            AtomicFiles.write(dir.resolve(f.getKey()), f.getValue());
        }
    }

    private static byte[] index(long totalSize, Map<String, String> weightMap) {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        try {
            String json = SafetensorsHeader.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
            return json.getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot encode " + HfCheckpoint.INDEX_FILE + ": " + e.getOriginalMessage(), e);
        }
    }

    private static void commit(Path tmp, Path target) throws IOException {
        Path parent = target.getParent();
        if (!Files.exists(target)) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Path old = parent.resolve("." + target.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.deleteQuietly(old);
        }
        AtomicFiles.forceDirectory(parent);
    }
}
