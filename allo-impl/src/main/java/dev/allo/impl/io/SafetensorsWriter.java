package dev.allo.impl.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes named arrays to one safetensors file, atomically (temporary file in the same directory, forced to disk,
 * renamed over the target).
 *
 * <p>Layout, as the safetensors library writes it: {@code __metadata__} first (by default {@code {"format": "pt"}},
 * which {@code transformers} expects), then the tensors ordered by decreasing dtype alignment (I64, F64, F32, I32,
 * BF16, F16, I8, U8, BOOL) and then by name (UTF-8 byte order), each directly after the previous one; the JSON
 * header is padded with spaces to a multiple of 8 bytes so every tensor is aligned to its element size. The order in
 * which tensors are added does not change the file.
 *
 * <p>Element types: a floating array (float16, float32 or float64) is stored as the dtype given to {@link #add(String,
 * NDArray, SafetensorsDtype)}, or as {@link #floatDtype(SafetensorsDtype)} (F32 by default). F32 and F64 are exact
 * copies or engine casts; BF16 and F16 are narrowed in Java from float32 by {@link HalfPrecision} (round to nearest,
 * ties to even; NaN stays a quiet NaN), so a BF16 or F16 tensor read as float32 and written back in its dtype gives
 * the same bytes. Integer and boolean arrays are stored as they are (INT64 as I64, INT32 as I32, INT8 as I8, UINT8 as
 * U8, BOOLEAN as BOOL).
 *
 * <pre>{@code
 * new SafetensorsWriter().floatDtype(SafetensorsDtype.BF16)
 *     .add("model.embed_tokens.weight", embedding)
 *     .write(dir.resolve("model.safetensors"));
 * }</pre>
 *
 * <p>Not thread-safe. The arrays must stay open until {@link #write} returns; they are not modified.
 */
public final class SafetensorsWriter {
    /** The largest piece of an array converted or written through one buffer. */
    private static final long CHUNK_BYTES = 64L << 20;

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private SafetensorsDtype floatDtype = SafetensorsDtype.F32;

    private record Entry(String name, NDArray array, SafetensorsDtype dtype) {}

    /** A planned tensor: its stored dtype and where its bytes go. */
    private record Planned(String name, NDArray array, SafetensorsDtype dtype, long begin, long end) {}

    /** Creates a writer with {@code __metadata__ = {"format": "pt"}} and floating arrays stored as F32. */
    public SafetensorsWriter() {
        metadata.put("format", "pt");
    }

    /**
     * Sets the dtype of floating arrays added without an explicit dtype.
     *
     * @param dtype F32 (the default), F16, BF16 or F64
     * @return this writer
     * @throws IllegalArgumentException if {@code dtype} is not one of those four
     */
    public SafetensorsWriter floatDtype(SafetensorsDtype dtype) {
        this.floatDtype = requireWritableFloat(dtype, "floatDtype");
        return this;
    }

    /**
     * Adds or replaces a {@code __metadata__} entry.
     *
     * @param key the key
     * @param value the value
     * @return this writer
     */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Removes every {@code __metadata__} entry, the default {@code "format": "pt"} included; with none left the
     * header has no {@code __metadata__} key.
     *
     * @return this writer
     */
    public SafetensorsWriter clearMetadata() {
        metadata.clear();
        return this;
    }

    /**
     * Adds an array; a floating array is stored as the {@linkplain #floatDtype(SafetensorsDtype) float dtype}, any
     * other as its own type.
     *
     * @param name the tensor name, unique in the file
     * @param array the array (any device); must stay open until {@link #write}
     * @return this writer
     * @throws IllegalArgumentException if the name is empty, reserved or taken, or the array type cannot be stored
     */
    public SafetensorsWriter add(String name, NDArray array) {
        return put(name, array, null);
    }

    /**
     * Adds an array stored as the given dtype.
     *
     * @param name the tensor name, unique in the file
     * @param array the array (any device); must stay open until {@link #write}
     * @param dtype F32, F16, BF16 or F64 for a floating array; the array's own type otherwise
     * @return this writer
     * @throws IllegalArgumentException if the name is empty, reserved or taken, or the array cannot be stored as
     *     {@code dtype}
     */
    public SafetensorsWriter add(String name, NDArray array, SafetensorsDtype dtype) {
        return put(name, array, Objects.requireNonNull(dtype, "dtype"));
    }

    /**
     * Adds every array of a map, in its order, with the default dtypes.
     *
     * @param tensors name to array
     * @return this writer
     * @throws IllegalArgumentException as {@link #add(String, NDArray)}
     */
    public SafetensorsWriter addAll(Map<String, NDArray> tensors) {
        tensors.forEach(this::add);
        return this;
    }

    /**
     * The names added so far, in the order they were added.
     *
     * @return an unmodifiable list
     */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /**
     * The number of bytes the tensors will occupy in the data buffer (the file adds the header).
     *
     * @return the sum over tensors of elements times stored element size
     */
    public long dataBytes() {
        return plan().stream().mapToLong(p -> p.end() - p.begin()).sum();
    }

    /**
     * Writes the file atomically, creating parent directories as needed and replacing an existing file.
     *
     * @param file the target
     * @throws AlloException naming the file if writing fails; the target is then unchanged and no temporary file
     *     remains
     */
    public void write(Path file) {
        Objects.requireNonNull(file, "file");
        List<Planned> planned = plan();
        byte[] header = header(planned);
        AtomicFiles.write(file, channel -> {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            AtomicFiles.writeFully(channel, prefix);
            AtomicFiles.writeFully(channel, ByteBuffer.wrap(header));
            for (Planned p : planned) {
                writeTensor(channel, p);
            }
        });
    }

    /**
     * Writes named arrays to one file with {@code __metadata__ = {"format": "pt"}}.
     *
     * @param file the target
     * @param tensors name to array
     * @param floatDtype how floating arrays are stored: F32, F16, BF16 or F64
     * @throws AlloException naming the file if writing fails
     * @throws IllegalArgumentException if an array cannot be stored
     */
    public static void write(Path file, Map<String, NDArray> tensors, SafetensorsDtype floatDtype) {
        new SafetensorsWriter().floatDtype(floatDtype).addAll(tensors).write(file);
    }

    /**
     * The dtype an array is stored as when added without one.
     *
     * @param array the array
     * @param floatDtype the dtype for floating arrays
     * @return {@code floatDtype} for a floating array, the array's own type otherwise
     * @throws IllegalArgumentException if the array type cannot be stored
     */
    static SafetensorsDtype defaultDtype(NDArray array, SafetensorsDtype floatDtype) {
        DataType type = array.getDataType();
        if (type.isFloating()) {
            return floatDtype;
        }
        return SafetensorsDtype.of(type).orElseThrow(() -> new IllegalArgumentException(
                "cannot store an array of type " + type.name()
                        + "; storable: FLOAT16, FLOAT32, FLOAT64, INT64, INT32, INT8, UINT8, BOOLEAN"));
    }

    private SafetensorsWriter put(String name, NDArray array, SafetensorsDtype dtype) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(array, "array");
        if (name.isEmpty() || SafetensorsHeader.METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("tensor name must be non-empty and not __metadata__, got '" + name
                    + "'");
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' was already added");
        }
        if (dtype != null) {
            checkStorable(name, array, dtype);
        } else {
            try {
                defaultDtype(array, SafetensorsDtype.F32);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
            }
        }
        entries.put(name, new Entry(name, array, dtype));
        return this;
    }

    private static void checkStorable(String name, NDArray array, SafetensorsDtype dtype) {
        DataType type = array.getDataType();
        boolean ok = type.isFloating()
                ? isWritableFloat(dtype)
                : SafetensorsDtype.of(type).map(d -> d == dtype).orElse(false);
        if (!ok) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot store an array of type " + type.name()
                    + " as " + dtype
                    + "; floating arrays are stored as F32, F16, BF16 or F64, other arrays as their own type");
        }
    }

    private static boolean isWritableFloat(SafetensorsDtype dtype) {
        return dtype == SafetensorsDtype.F32 || dtype == SafetensorsDtype.F16 || dtype == SafetensorsDtype.BF16
                || dtype == SafetensorsDtype.F64;
    }

    static SafetensorsDtype requireWritableFloat(SafetensorsDtype dtype, String what) {
        Objects.requireNonNull(dtype, what);
        if (!isWritableFloat(dtype)) {
            throw new IllegalArgumentException(what + " must be F32, F16, BF16 or F64, got " + dtype);
        }
        return dtype;
    }

    /** Orders the tensors as the format's writer does and assigns their offsets. */
    private List<Planned> plan() {
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : entries.values()) {
            SafetensorsDtype dtype = e.dtype() != null ? e.dtype() : defaultDtype(e.array(), floatDtype);
            sorted.add(new Entry(e.name(), e.array(), dtype));
        }
        Comparator<Entry> byAlignment = Comparator.comparing(Entry::dtype, Comparator.reverseOrder());
        sorted.sort(byAlignment.thenComparing(
                (a, b) -> Arrays.compareUnsigned(utf8(a.name()), utf8(b.name()))));
        List<Planned> planned = new ArrayList<>();
        long offset = 0;
        for (Entry e : sorted) {
            if (e.array().isReleased()) {
                throw new IllegalStateException("the array of tensor '" + e.name() + "' was closed before write");
            }
            long bytes = Math.multiplyExact(e.array().size(), e.dtype().byteSize());
            planned.add(new Planned(e.name(), e.array(), e.dtype(), offset, offset + bytes));
            offset += bytes;
        }
        return planned;
    }

    private byte[] header(List<Planned> planned) {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        for (Planned p : planned) {
            ObjectNode t = root.putObject(p.name());
            t.put("dtype", p.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : p.array().getShape().getShape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(p.begin()).add(p.end());
        }
        byte[] json;
        try {
            json = SafetensorsHeader.JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot encode the safetensors header: " + e.getOriginalMessage(), e);
        }
        int padded = (json.length + 7) / 8 * 8; // data must start 8-byte aligned
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeTensor(FileChannel channel, Planned p) throws IOException {
        if (p.array().size() == 0) {
            return;
        }
        // Scratch arrays (CPU copy, cast, flat view) die with this manager; the caller's array is never modified.
        try (NDManager scratch = p.array().getManager().newSubManager(Device.cpu())) {
            NDArray cpu = p.array();
            if (!Device.Type.CPU.equals(cpu.getDevice().getDeviceType())) {
                cpu = cpu.toDevice(Device.cpu(), true);
                cpu.attach(scratch);
            }
            DataType source = sourceType(cpu.getDataType(), p.dtype());
            if (cpu.getDataType() != source) {
                cpu = cpu.toType(source, true);
                cpu.attach(scratch);
            }
            NDArray flat = cpu.reshape(-1); // (N,), contiguous: a view, or a copy of a strided array
            flat.attach(scratch);
            IoFailure failure = new IoFailure();
            // BF16 and F16 from float32 are narrowed in Java; a float16 array already holds F16 bits.
            boolean narrow = source == DataType.FLOAT32 && p.dtype().byteSize() == 2;
            ByteBuffer staging = narrow ? ByteBuffer.allocateDirect((int) (CHUNK_BYTES / 2)) : null;
            NativeChunks.forEach(flat, CHUNK_BYTES, (first, count, view) -> {
                if (failure.cause != null) {
                    return;
                }
                try {
                    if (staging != null) {
                        staging.clear().limit((int) (count * 2));
                        HalfPrecision.narrow(view, staging, count, p.dtype() == SafetensorsDtype.BF16);
                        AtomicFiles.writeFully(channel, staging);
                    } else if (ElementCopy.nativeIsLittleEndian()) {
                        AtomicFiles.writeFully(channel, view);
                    } else {
                        ByteBuffer le = ByteBuffer.allocate(view.capacity());
                        ElementCopy.copy(view, ByteOrder.nativeOrder(), le, ByteOrder.LITTLE_ENDIAN,
                                p.dtype().byteSize());
                        AtomicFiles.writeFully(channel, le);
                    }
                } catch (IOException e) {
                    failure.cause = e;
                }
            });
            if (failure.cause != null) {
                throw failure.cause;
            }
        }
    }

    /** The array type the bytes are taken from: float32 for BF16 and F16 narrowing, else the stored type itself. */
    private static DataType sourceType(DataType arrayType, SafetensorsDtype dtype) {
        switch (dtype) {
            case BF16:
                return DataType.FLOAT32;
            case F16:
                // A float16 array already holds F16 bits; anything else is narrowed from float32.
                return arrayType == DataType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT32;
            default:
                return dtype.loadedType(FloatConversion.AS_STORED);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Carries an {@link IOException} out of a chunk callback. */
    private static final class IoFailure {
        private IOException cause;
    }
}
