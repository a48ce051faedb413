package dev.allo.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The set of "key neurons" of a model: for every named parameter tensor, which of its scalar weights are selected
 * (ALLO Sec. 4.1; the masks {@code N1} and {@code N2} of Eq. 5-9). A neuron is one scalar weight, addressed by its
 * flat row-major index into the tensor ({@code i = sum_d idx_d * stride_d}, the order of
 * {@code tensor.reshape(-1)}).
 *
 * <p>Storage is compact: per tensor either "every element" (a flag, no array) or the strictly ascending {@code int}
 * flat indices of the selected elements (4 bytes per selected scalar, never a float per weight). Tensors keep the
 * order in which they were added, which is the model's parameter order when the mask comes from a
 * {@link MaskSelector}. A tensor may hold at most {@code 2^31 - 1} elements.
 *
 * <p>Instances are immutable and thread-safe. {@link #save(Path)} / {@link #load(Path)} use a small binary format
 * with a CRC32 checksum (see {@code docs/masks-and-optimizers.md}); {@link #exportSafetensors(Path, MaskExportType)}
 * writes a 0/1 safetensors file for Python users.
 */
public final class NeuronMask {

    /** One tensor's selection: its shape and either {@code indices == null} (all selected) or sorted indices. */
    record Entry(Shape shape, long size, int[] indices) {
        long selectedCount() {
            return indices == null ? size : indices.length;
        }
    }

    private final Map<String, Entry> entries;
    private final long size;
    private final long selected;
    private volatile Long fingerprint;

    private NeuronMask(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
        long n = 0;
        long k = 0;
        for (Entry e : entries.values()) {
            n += e.size();
            k += e.selectedCount();
        }
        this.size = n;
        this.selected = k;
    }

    /**
     * Starts a mask, tensor by tensor, in the order the tensors are added.
     *
     * @return an empty builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A mask that selects every scalar of every tensor: the full-parameter path (plain DPO / AdamW) expressed as a
     * mask, so that full and masked training run the same code.
     *
     * @param shapes tensor names and shapes, in model order
     * @return the all-ones mask
     */
    public static NeuronMask all(Map<String, Shape> shapes) {
        Builder b = builder();
        shapes.forEach(b::addAll);
        return b.build();
    }

    /**
     * A mask that selects nothing; an optimiser stepping with it leaves every parameter bit-identical.
     *
     * @param shapes tensor names and shapes, in model order
     * @return the all-zeros mask
     */
    public static NeuronMask empty(Map<String, Shape> shapes) {
        Builder b = builder();
        shapes.forEach(b::addNone);
        return b.build();
    }

    /**
     * The names and shapes of named arrays, in their iteration order, for example of
     * {@code CausalLm#parameters()}.
     *
     * @param arrays named arrays
     * @return an ordered, unmodifiable map from name to shape
     */
    public static Map<String, Shape> shapesOf(Map<String, ? extends NDArray> arrays) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        arrays.forEach((name, array) -> shapes.put(name, array.getShape()));
        return Collections.unmodifiableMap(shapes);
    }

    /**
     * Reads a mask written by {@link #save(Path)}, verifying its CRC32 checksum and structure.
     *
     * @param file the mask file
     * @return the mask
     * @throws dev.allo.AlloException if the file cannot be read, is not a mask file, is truncated or corrupted
     *     (the message names the file and what was expected and found)
     */
    public static NeuronMask load(Path file) {
        return NeuronMaskFile.read(file);
    }

    /**
     * Writes this mask in the binary mask format with a CRC32 checksum, to a temporary file that is then atomically
     * renamed to {@code file}.
     *
     * @param file the destination (replaced if it exists)
     * @throws dev.allo.AlloException if the file cannot be written
     */
    public void save(Path file) {
        NeuronMaskFile.write(this, file);
    }

    /**
     * Writes the mask as a safetensors file of 0/1 tensors with the model's names and shapes, for Python users
     * ({@code safetensors.torch.load_file(path)["model.layers.0.mlp.up_proj.weight"].bool()}). The file is written to
     * a temporary file and atomically renamed.
     *
     * @param file the destination (replaced if it exists)
     * @param type the element type of the 0/1 tensors
     * @throws dev.allo.AlloException if the file cannot be written
     */
    public void exportSafetensors(Path file, MaskExportType type) {
        SafetensorsMaskWriter.write(this, file, Objects.requireNonNull(type, "type"));
    }

    /**
     * The tensor names, in mask order.
     *
     * @return an unmodifiable, ordered list
     */
    public List<String> tensorNames() {
        return List.copyOf(entries.keySet());
    }

    /**
     * Whether the mask has an entry for the tensor.
     *
     * @param name a tensor name
     * @return whether the tensor is covered by the mask
     */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /**
     * The shape of a tensor.
     *
     * @param name a tensor name
     * @return its shape
     * @throws IllegalArgumentException if the mask has no such tensor
     */
    public Shape shape(String name) {
        return entry(name).shape();
    }

    /**
     * The number of scalars of a tensor.
     *
     * @param name a tensor name
     * @return its element count
     * @throws IllegalArgumentException if the mask has no such tensor
     */
    public long size(String name) {
        return entry(name).size();
    }

    /**
     * The number of selected scalars of a tensor.
     *
     * @param name a tensor name
     * @return the selected count
     * @throws IllegalArgumentException if the mask has no such tensor
     */
    public long selectedCount(String name) {
        return entry(name).selectedCount();
    }

    /**
     * Whether every scalar of a tensor is selected (then no index array is stored for it).
     *
     * @param name a tensor name
     * @return whether the tensor is fully selected
     * @throws IllegalArgumentException if the mask has no such tensor
     */
    public boolean isFull(String name) {
        Entry e = entry(name);
        return e.selectedCount() == e.size();
    }

    /**
     * The selected flat row-major indices of a tensor, strictly ascending. For a fully selected tensor the array
     * {@code 0, 1, ..., size - 1} is materialised; check {@link #isFull(String)} first to avoid it.
     *
     * @param name a tensor name
     * @return a fresh copy of the indices
     * @throws IllegalArgumentException if the mask has no such tensor
     */
    public int[] indices(String name) {
        Entry e = entry(name);
        if (e.indices() == null) {
            int[] all = new int[Math.toIntExact(e.size())];
            Arrays.setAll(all, i -> i);
            return all;
        }
        return e.indices().clone();
    }

    /**
     * Whether one scalar is selected.
     *
     * @param name a tensor name
     * @param flatIndex the scalar's flat row-major index, in {@code [0, size(name))}
     * @return whether it is selected
     * @throws IllegalArgumentException if the mask has no such tensor or the index is out of range
     */
    public boolean isSelected(String name, long flatIndex) {
        Entry e = entry(name);
        if (flatIndex < 0 || flatIndex >= e.size()) {
            throw new IllegalArgumentException(
                    "flatIndex must be in [0, " + e.size() + ") for tensor '" + name + "', got " + flatIndex);
        }
        return e.indices() == null || Arrays.binarySearch(e.indices(), (int) flatIndex) >= 0;
    }

    /**
     * The actual selected fraction of one tensor, {@code selectedCount(name) / size(name)} (0 for an empty tensor).
     *
     * @param name a tensor name
     * @return the ratio in [0, 1]
     * @throws IllegalArgumentException if the mask has no such tensor
     */
    public double ratio(String name) {
        Entry e = entry(name);
        return e.size() == 0 ? 0.0 : (double) e.selectedCount() / e.size();
    }

    /**
     * The actual selected fraction of each tensor, in mask order.
     *
     * @return an unmodifiable, ordered map from tensor name to ratio
     */
    public Map<String, Double> ratios() {
        Map<String, Double> out = new LinkedHashMap<>();
        entries.keySet().forEach(name -> out.put(name, ratio(name)));
        return Collections.unmodifiableMap(out);
    }

    /**
     * The number of scalars over all tensors of the mask (excluded tensors included).
     *
     * @return the total element count
     */
    public long size() {
        return size;
    }

    /**
     * The number of selected scalars over all tensors.
     *
     * @return the selected count
     */
    public long selectedCount() {
        return selected;
    }

    /**
     * The actual overall selected fraction, {@code selectedCount() / size()} over every tensor of the mask,
     * including tensors that a selector excluded (0 for an empty model).
     *
     * @return the ratio in [0, 1]
     */
    public double ratio() {
        return size == 0 ? 0.0 : (double) selected / size;
    }

    /**
     * Checks that this mask fits a model: the same tensor names and, for each, the same shape.
     *
     * @param parameters the model's named parameters
     * @throws IllegalArgumentException naming the first tensor that is missing on either side or whose shapes
     *     differ, with both shapes
     */
    public void checkMatches(Map<String, ? extends NDArray> parameters) {
        for (Map.Entry<String, ? extends NDArray> p : parameters.entrySet()) {
            Entry e = entries.get(p.getKey());
            if (e == null) {
                throw new IllegalArgumentException("mask does not match the model: model tensor '" + p.getKey()
                        + "' has no entry in the mask (mask tensors: " + preview(entries.keySet()) + ")");
            }
            Shape actual = p.getValue().getShape();
            if (!actual.equals(e.shape())) {
                throw new IllegalArgumentException("mask does not match the model: tensor '" + p.getKey()
                        + "' has shape " + e.shape() + " in the mask but " + actual + " in the model");
            }
        }
        for (String name : entries.keySet()) {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException("mask does not match the model: mask tensor '" + name
                        + "' is not a model parameter (model tensors: " + preview(parameters.keySet()) + ")");
            }
        }
    }

    /**
     * A 32-bit content fingerprint: the CRC32 of the mask's file encoding (names, shapes and selected indices).
     * Equal masks have equal fingerprints; optimiser state records it so that state is never restored under a
     * different mask.
     *
     * @return the CRC32 value, in {@code [0, 2^32)}
     */
    public long fingerprint() {
        Long f = fingerprint;
        if (f == null) {
            f = NeuronMaskFile.checksum(this);
            fingerprint = f;
        }
        return f;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(
                    "mask has no tensor '" + name + "' (mask tensors: " + preview(entries.keySet()) + ")");
        }
        return e;
    }

    static String preview(java.util.Collection<String> names) {
        List<String> list = new ArrayList<>(names);
        if (list.size() <= 6) {
            return list.toString();
        }
        return list.subList(0, 6) + " and " + (list.size() - 6) + " more";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NeuronMask)) {
            return false;
        }
        NeuronMask other = (NeuronMask) o;
        if (!List.copyOf(entries.keySet()).equals(List.copyOf(other.entries.keySet()))) {
            return false;
        }
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry a = e.getValue();
            Entry b = other.entries.get(e.getKey());
            if (!a.shape().equals(b.shape()) || a.selectedCount() != b.selectedCount()) {
                return false;
            }
            boolean aFull = a.selectedCount() == a.size();
            if (!aFull && !Arrays.equals(a.indices(), b.indices())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(fingerprint());
    }

    @Override
    public String toString() {
        return String.format("NeuronMask[%d tensors, %d of %d selected (%.4f%%)]",
                entries.size(), selected, size, 100.0 * ratio());
    }

    /** Builds a {@link NeuronMask} tensor by tensor; validates every entry as it is added. */
    public static final class Builder {
        private final Map<String, Entry> entries = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Adds a tensor with the given selected indices.
         *
         * @param name the tensor name (unique within the mask)
         * @param shape the tensor shape
         * @param sortedIndices strictly ascending flat row-major indices in {@code [0, shape.size())}; copied
         * @return this builder
         * @throws IllegalArgumentException if the name repeats, the tensor is too large, or the indices are not
         *     strictly ascending or out of range (naming the tensor, the position and the value)
         */
        public Builder add(String name, Shape shape, int[] sortedIndices) {
            long n = checkTensor(name, shape);
            int[] copy = sortedIndices.clone();
            for (int i = 0; i < copy.length; i++) {
                if (copy[i] < 0 || copy[i] >= n) {
                    throw new IllegalArgumentException("mask index for tensor '" + name + "' must be in [0, " + n
                            + "), got " + copy[i] + " at position " + i);
                }
                if (i > 0 && copy[i] <= copy[i - 1]) {
                    throw new IllegalArgumentException("mask indices for tensor '" + name
                            + "' must be strictly ascending, got " + copy[i - 1] + " then " + copy[i]
                            + " at position " + i);
                }
            }
            entries.put(name, new Entry(shape, n, copy.length == n ? null : copy));
            return this;
        }

        /**
         * Adds a tensor whose every scalar is selected (stored as a flag, without indices).
         *
         * @param name the tensor name (unique within the mask)
         * @param shape the tensor shape
         * @return this builder
         */
        public Builder addAll(String name, Shape shape) {
            long n = checkTensor(name, shape);
            entries.put(name, new Entry(shape, n, null));
            return this;
        }

        /**
         * Adds a tensor with nothing selected (a frozen tensor).
         *
         * @param name the tensor name (unique within the mask)
         * @param shape the tensor shape
         * @return this builder
         */
        public Builder addNone(String name, Shape shape) {
            long n = checkTensor(name, shape);
            entries.put(name, new Entry(shape, n, n == 0 ? null : new int[0]));
            return this;
        }

        /**
         * Finishes the mask.
         *
         * @return the immutable mask
         */
        public NeuronMask build() {
            return new NeuronMask(new LinkedHashMap<>(entries));
        }

        private long checkTensor(String name, Shape shape) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(shape, "shape");
            if (entries.containsKey(name)) {
                throw new IllegalArgumentException("mask already has a tensor named '" + name + "'");
            }
            long n = shape.size();
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + name + "' must have at most " + Integer.MAX_VALUE
                        + " elements to be masked, got " + n + " (shape " + shape + ")");
            }
            return n;
        }
    }
}
