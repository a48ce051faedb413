package dev.allo.impl.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.allo.AlloException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A Hugging Face model checkpoint opened for reading: one view over the tensors of a directory that holds either
 * {@code model.safetensors} or shards listed by {@code model.safetensors.index.json}.
 *
 * <p>Layout, as {@code transformers}' {@code save_pretrained} writes it:
 *
 * <ul>
 *   <li>single file: {@code config.json} and {@code model.safetensors};
 *   <li>sharded: {@code config.json}, {@code model-00001-of-0000K.safetensors}, ... and
 *       {@code model.safetensors.index.json} = {@code {"metadata": {"total_size": N}, "weight_map": {tensor name:
 *       shard file name}}}.
 * </ul>
 *
 * <p>When both a single file and an index are present, the single file wins, as in {@code transformers}. A path to
 * one {@code .safetensors} file is accepted as a single-file checkpoint in that file's directory.
 *
 * <p>Checks on {@link #open}, each an {@link AlloException} naming the file and tensor: the directory exists and holds
 * a safetensors checkpoint (pickle checkpoints, {@code pytorch_model.bin} and other {@code .bin}, {@code .pt},
 * {@code .pth}, {@code .ckpt} files, are refused: they can run arbitrary code when loaded); every file passes
 * {@link SafetensorsFile}'s header checks; the index is valid JSON with a {@code weight_map} of strings; every shard
 * it names exists inside the directory; every tensor it lists is in the shard it names, and every tensor of a shard
 * is listed there. {@code metadata.total_size} is informational and not checked.
 *
 * <p>Reading works as {@link SafetensorsFile#read(String, NDManager, Device, FloatConversion)}: private copies,
 * floating types as float32 by default, BF16 always widened. {@code config.json} is not interpreted here; the model
 * code reads it through {@link #readConfig()}.
 */
public final class HfCheckpoint implements AutoCloseable {
    /** The single-file weights name. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The model configuration. */
    public static final String CONFIG_FILE = "config.json";

    private static final String CONVERT_HINT = "convert it in Python with"
            + " AutoModelForCausalLM.from_pretrained(src).save_pretrained(dst, safe_serialization=True)";

    private final Path directory;
    private final boolean sharded;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;

    private HfCheckpoint(Path directory, boolean sharded, List<SafetensorsFile> files,
            Map<String, SafetensorsFile> owner) {
        this.directory = directory;
        this.sharded = sharded;
        this.files = List.copyOf(files);
        this.owner = Collections.unmodifiableMap(owner);
    }

    /**
     * Opens a checkpoint directory (or a single {@code .safetensors} file) and validates it.
     *
     * @param path the checkpoint directory, or a {@code .safetensors} file
     * @return the open checkpoint; the caller closes it
     * @throws AlloException if the path is missing, holds no safetensors checkpoint, holds a pickle checkpoint, or
     *     a file or the index is malformed or inconsistent
     */
    public static HfCheckpoint open(Path path) {
        Objects.requireNonNull(path, "path");
        if (!Files.exists(path)) {
            throw new AlloException("checkpoint path does not exist: " + path);
        }
        if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString();
            if (isPickle(name)) {
                throw new AlloException("pickle checkpoints are not supported: " + path + "; " + CONVERT_HINT);
            }
            if (!name.endsWith(".safetensors")) {
                throw new AlloException("expected a checkpoint directory or a .safetensors file, found " + path);
            }
            return single(path.toAbsolutePath().getParent(), path);
        }
        Path dir = path.toAbsolutePath();
        Path singleFile = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(singleFile)) {
            return single(dir, singleFile);
        }
        if (Files.isRegularFile(index)) {
            return sharded(dir, index);
        }
        List<String> listing = listing(dir);
        for (String name : listing) {
            if (isPickle(name)) {
                throw new AlloException("pickle checkpoints are not supported: found " + name + " in " + dir
                        + " and no " + SINGLE_FILE + "; " + CONVERT_HINT);
            }
        }
        throw new AlloException("checkpoint directory " + dir + " holds neither " + SINGLE_FILE + " nor "
                + INDEX_FILE + "; it holds " + (listing.isEmpty() ? "no files" : String.join(", ", listing)));
    }

    private static HfCheckpoint single(Path dir, Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        f.names().forEach(n -> owner.put(n, f));
        return new HfCheckpoint(dir, false, List.of(f), owner);
    }

    private static HfCheckpoint sharded(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        // Shards in file-name order, tensors within a shard in file order: sequential reads for readAll.
        Map<String, SafetensorsFile> shards = new TreeMap<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shardName = e.getValue();
                if (shards.containsKey(shardName)) {
                    continue;
                }
                Path shard;
                try {
                    shard = dir.resolve(shardName).normalize();
                } catch (InvalidPathException ex) {
                    throw new AlloException("index " + index + " maps tensor '" + e.getKey() + "' to shard '"
                            + shardName + "', which is not a valid file name: " + ex.getMessage(), ex);
                }
                if (!shard.startsWith(dir) || shard.equals(dir)) {
                    throw new AlloException("index " + index + " maps tensor '" + e.getKey() + "' to shard '"
                            + shardName + "', which lies outside the checkpoint directory");
                }
                if (isPickle(shardName)) {
                    throw new AlloException("index " + index + " maps tensor '" + e.getKey() + "' to the pickle file '"
                            + shardName + "': pickle checkpoints are not supported; " + CONVERT_HINT);
                }
                if (!Files.isRegularFile(shard)) {
                    throw new AlloException("index " + index + " maps tensor '" + e.getKey() + "' to shard '"
                            + shardName + "', which does not exist in " + dir);
                }
                shards.put(shardName, SafetensorsFile.open(shard));
            }
            Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
            for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) {
                for (String tensor : s.getValue().names()) {
                    String listed = weightMap.get(tensor);
                    if (!s.getKey().equals(listed)) {
                        throw new AlloException("shard " + s.getKey() + " of " + dir + " holds tensor '" + tensor
                                + "', but index " + index + (listed == null ? " does not list it"
                                        : " maps it to shard " + listed));
                    }
                    owner.put(tensor, s.getValue());
                }
            }
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                if (!owner.containsKey(e.getKey())) {
                    SafetensorsFile shard = shards.get(e.getValue());
                    throw new AlloException("index " + index + " maps tensor '" + e.getKey() + "' to shard "
                            + e.getValue() + ", but that shard does not hold it (it holds " + shard.names().size()
                            + " tensors)");
                }
            }
            return new HfCheckpoint(dir, true, new ArrayList<>(shards.values()), owner);
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = SafetensorsHeader.JSON.readTree(Files.readString(index, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new AlloException("index " + index + " is not valid JSON: " + JsonFiles.describe(e), e);
        } catch (IOException e) {
            throw new AlloException("cannot read index " + index + ": " + e, e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new AlloException("index " + index
                    + " must be a JSON object with a \"weight_map\" object of tensor name to shard file, found "
                    + (map == null ? "no weight_map" : "weight_map of type " + map.getNodeType()));
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual() || e.getValue().textValue().isEmpty()) {
                throw new AlloException("index " + index + ": weight_map entry '" + e.getKey()
                        + "' must name a shard file, found " + e.getValue());
            }
            result.put(e.getKey(), e.getValue().textValue());
        }
        if (result.isEmpty()) {
            throw new AlloException("index " + index + " lists no tensors: its weight_map is empty");
        }
        return result;
    }

    private static boolean isPickle(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        return lower.endsWith(".bin") || lower.endsWith(".bin.index.json") || lower.endsWith(".pt")
                || lower.endsWith(".pth") || lower.endsWith(".ckpt") || lower.endsWith(".pkl");
    }

    private static List<String> listing(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new AlloException("cannot list checkpoint directory " + dir + ": " + e, e);
        }
        Collections.sort(names);
        return names;
    }

    /**
     * The checkpoint directory.
     *
     * @return its absolute path
     */
    public Path directory() {
        return directory;
    }

    /**
     * Whether the weights are sharded under an index.
     *
     * @return true for {@code model.safetensors.index.json} checkpoints
     */
    public boolean isSharded() {
        return sharded;
    }

    /**
     * The safetensors files, shards in file-name order.
     *
     * @return their paths
     */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    /**
     * All tensor names: shard by shard in file-name order, in file order within a shard.
     *
     * @return an unmodifiable list
     */
    public List<String> names() {
        return List.copyOf(owner.keySet());
    }

    /**
     * Whether the checkpoint holds a tensor of this name.
     *
     * @param name a tensor name
     * @return true if present
     */
    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    /**
     * The description of one tensor: file, dtype, shape and offsets.
     *
     * @param name a tensor name
     * @return its description
     * @throws AlloException if the checkpoint holds no such tensor
     */
    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    /**
     * Reads a tensor onto the manager's device, floating types as float32.
     *
     * @param name the tensor name
     * @param manager owns the returned array
     * @return a private copy
     * @throws AlloException if the tensor is absent or cannot be read
     */
    public NDArray read(String name, NDManager manager) {
        return read(name, manager, manager.getDevice(), FloatConversion.TO_FLOAT32);
    }

    /**
     * Reads a tensor.
     *
     * @param name the tensor name
     * @param manager owns the returned array
     * @param device where the array lives
     * @param conversion how floating types are converted
     * @return a private copy
     * @throws AlloException if the tensor is absent or cannot be read
     */
    public NDArray read(String name, NDManager manager, Device device, FloatConversion conversion) {
        return file(name).read(name, manager, device, conversion);
    }

    /**
     * Reads a BF16 tensor's bytes without widening them ({@link SafetensorsFile#readBf16Bytes}).
     *
     * @param name the tensor name
     * @param manager owns the returned array
     * @param device where the array lives
     * @return {@code (d_1, ..., d_n * 2)} uint8
     * @throws IllegalArgumentException if the tensor is not BF16
     * @throws AlloException if the tensor is absent or cannot be read
     */
    public NDArray readBf16Bytes(String name, NDManager manager, Device device) {
        return file(name).readBf16Bytes(name, manager, device);
    }

    /**
     * Reads every tensor onto the manager's device, floating types as float32.
     *
     * @param manager owns the returned arrays
     * @return name to array, in {@link #names()} order
     * @throws AlloException if a tensor cannot be read; arrays read before the failure are closed
     */
    public Map<String, NDArray> readAll(NDManager manager) {
        return readAll(manager, manager.getDevice(), FloatConversion.TO_FLOAT32);
    }

    /**
     * Reads every tensor.
     *
     * @param manager owns the returned arrays
     * @param device where the arrays live
     * @param conversion how floating types are converted
     * @return name to array, in {@link #names()} order
     * @throws AlloException if a tensor cannot be read; arrays read before the failure are closed
     */
    public Map<String, NDArray> readAll(NDManager manager, Device device, FloatConversion conversion) {
        Map<String, NDArray> result = new LinkedHashMap<>();
        try {
            for (SafetensorsFile f : files) {
                result.putAll(f.readAll(manager, device, conversion));
            }
        } catch (RuntimeException e) {
            result.values().forEach(NDArray::close);
            throw e;
        }
        return result;
    }

    /**
     * Parses {@code config.json} of the directory.
     *
     * @return the JSON object
     * @throws AlloException if the file is missing, unreadable, not JSON, or not an object
     */
    public JsonNode readConfig() {
        Path config = directory.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            throw new AlloException("checkpoint directory " + directory + " has no " + CONFIG_FILE);
        }
        JsonNode root;
        try {
            root = SafetensorsHeader.JSON.readTree(Files.readString(config, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new AlloException(config + " is not valid JSON: " + JsonFiles.describe(e), e);
        } catch (IOException e) {
            throw new AlloException("cannot read " + config + ": " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new AlloException(config + " must hold a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        return root;
    }

    /** Closes every file. Arrays already read stay valid. */
    @Override
    public void close() {
        AlloException failure = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (AlloException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = owner.get(Objects.requireNonNull(name, "name"));
        if (f == null) {
            throw new AlloException("checkpoint " + directory + " holds no tensor '" + name + "' (it holds "
                    + owner.size() + " tensors)");
        }
        return f;
    }
}
