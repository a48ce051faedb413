package dev.allo.importance;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-scalar importance scores {@code I_i} for every named parameter tensor of a model (ALLO Sec. 4.1, Eq. 4:
 * {@code I_i = |theta'_i - theta_i|}, or any other estimator's score). Higher means more important; a
 * {@link dev.allo.mask.MaskSelector} turns scores into a {@link dev.allo.mask.NeuronMask}.
 *
 * <p>Each score tensor is float32, has the shape of its parameter, and stays on the device where it was computed.
 * The scores own their arrays (in a manager of their own) and release them on {@link #close()}; they outlive the
 * model they were computed from. Tensor order is the model's parameter order.
 *
 * <p>{@link #save(Path)} / {@link #load(Path, Device)} use a small binary format with a CRC32 checksum (documented in
 * {@code docs/masks-and-optimizers.md}); it is private to this package and independent of the model's safetensors
 * code.
 */
public final class ImportanceScores implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> scores;
    private final Device device;
    private boolean closed;

    private ImportanceScores(NDManager manager, Map<String, NDArray> scores, Device device) {
        this.manager = manager;
        this.scores = Collections.unmodifiableMap(scores);
        this.device = device;
    }

    /**
     * Wraps score arrays, taking ownership: the arrays are attached to a new manager on their device and closed with
     * these scores.
     *
     * @param scores named float32 score arrays, in model order, all on one device (at least one tensor)
     * @return the scores
     * @throws IllegalArgumentException if the map is empty, an array is not float32, or the arrays sit on different
     *     devices (naming the tensor)
     */
    public static ImportanceScores of(Map<String, NDArray> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("importance scores must cover at least one tensor, got none");
        }
        Device device = scores.values().iterator().next().getDevice();
        for (Map.Entry<String, NDArray> e : scores.entrySet()) {
            NDArray a = Objects.requireNonNull(e.getValue(), e.getKey());
            if (a.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("importance scores for tensor '" + e.getKey()
                        + "' must be float32, got " + a.getDataType());
            }
            if (!a.getDevice().equals(device)) {
                throw new IllegalArgumentException("importance scores for tensor '" + e.getKey() + "' must be on "
                        + device + " like the first tensor, got " + a.getDevice());
            }
        }
        NDManager manager = NDManager.newBaseManager(device);
        Map<String, NDArray> owned = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : scores.entrySet()) {
            e.getValue().attach(manager);
            owned.put(e.getKey(), e.getValue());
        }
        return new ImportanceScores(manager, owned, device);
    }

    /**
     * Reads scores written by {@link #save(Path)}, verifying the checksum, onto a device.
     *
     * @param file the scores file
     * @param device where the score arrays are created
     * @return the scores; the caller closes them
     * @throws dev.allo.AlloException if the file cannot be read, is not a scores file, is truncated or corrupted
     */
    public static ImportanceScores load(Path file, Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Map<String, NDArray> arrays = ImportanceScoresFile.read(file, manager);
            if (arrays.isEmpty()) {
                throw new dev.allo.AlloException("scores file " + file + " holds no tensors");
            }
            return new ImportanceScores(manager, arrays, device);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Writes the scores (float32, little-endian) with a CRC32 checksum to a temporary file that is then atomically
     * renamed to {@code file}.
     *
     * @param file the destination (replaced if it exists)
     * @throws dev.allo.AlloException if the file cannot be written
     */
    public void save(Path file) {
        checkOpen();
        ImportanceScoresFile.write(scores, file);
    }

    /**
     * The score arrays by tensor name, in model order. The arrays belong to these scores: do not close them.
     *
     * @return an unmodifiable, ordered map
     */
    public Map<String, NDArray> asMap() {
        checkOpen();
        return scores;
    }

    /**
     * The score array of one tensor.
     *
     * @param name a tensor name
     * @return its scores, with the parameter's shape
     * @throws IllegalArgumentException if there is no such tensor
     */
    public NDArray get(String name) {
        checkOpen();
        NDArray a = scores.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no importance scores for tensor '" + name + "' (tensors: "
                    + names().subList(0, Math.min(6, scores.size())) + (scores.size() > 6 ? " ..." : "") + ")");
        }
        return a;
    }

    /**
     * The tensor names, in model order.
     *
     * @return an unmodifiable list
     */
    public List<String> names() {
        return List.copyOf(scores.keySet());
    }

    /**
     * The tensor shapes, in model order.
     *
     * @return an unmodifiable, ordered map from name to shape
     */
    public Map<String, Shape> shapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        scores.forEach((name, a) -> shapes.put(name, a.getShape()));
        return Collections.unmodifiableMap(shapes);
    }

    /**
     * The number of scalars scored, over all tensors.
     *
     * @return the total element count
     */
    public long size() {
        return scores.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    /**
     * The device holding the score arrays.
     *
     * @return the device
     */
    public Device device() {
        return device;
    }

    /** Releases the score arrays. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("importance scores are closed");
        }
    }
}
