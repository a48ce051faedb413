package dev.allo.impl.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A safetensors file opened for reading: its header is parsed and validated on {@link #open}, and tensors are read
 * on demand from memory-mapped regions of the file.
 *
 * <p>Every {@code read} returns a private copy owned by the given {@link NDManager}: the tensor is allocated by the
 * engine, then filled straight from the mapped file (one copy; BF16 and F16 are widened to float32 on the way, in
 * Java, since the PyTorch engine aborts the JVM on bfloat16). Nothing the caller does to the array, in-place training
 * updates included, can touch the file. On a GPU device the array is filled on the CPU and then copied over.
 *
 * <p>There is no 2 GB limit: the file is mapped per tensor, in windows of at most 1 GiB, so files and tensors of any
 * size are read (a tensor must still fit in memory as float32).
 *
 * <p>Element types: see {@link SafetensorsDtype}; floating tensors are converted as {@link FloatConversion} says,
 * float32 by default. The header is checked as {@code SafetensorsHeader} describes: every malformed, truncated or
 * inconsistent file fails on {@code open} with an {@link AlloException} naming the file, the tensor, and what was
 * expected and found.
 *
 * <pre>{@code
 * try (SafetensorsFile file = SafetensorsFile.open(path)) {
 *     NDArray w = file.read("model.embed_tokens.weight", manager); // (V, H) float32
 * }
 * }</pre>
 *
 * <p>Reads may run concurrently from several threads. Closing the file closes its channel; mapped windows are
 * released by the garbage collector.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The largest window mapped at once, and the largest piece of an array filled through one buffer. */
    static final long DEFAULT_MAX_CHUNK_BYTES = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    private final long maxChunkBytes;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, SafetensorsHeader header, long maxChunkBytes) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        this.maxChunkBytes = maxChunkBytes;
    }

    /**
     * Opens a safetensors file and validates its header.
     *
     * @param path the {@code .safetensors} file
     * @return the open file; the caller closes it
     * @throws AlloException if the file is missing, unreadable, malformed, truncated or inconsistent; the message
     *     names the file, the tensor, and what was expected and found
     */
    public static SafetensorsFile open(Path path) {
        return open(path, DEFAULT_MAX_CHUNK_BYTES);
    }

    /** Opens with a smaller chunk size, so that tests can exercise the multi-window path on tiny tensors. */
    static SafetensorsFile open(Path path, long maxChunkBytes) {
        Objects.requireNonNull(path, "path");
        if (maxChunkBytes < 8 || maxChunkBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxChunkBytes must be in [8, 2^31 - 1], got " + maxChunkBytes);
        }
        if (Files.isDirectory(path)) {
            throw new AlloException("expected a safetensors file, found a directory: " + path
                    + " (open Hugging Face checkpoint directories with HfCheckpoint.open)");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new AlloException("safetensors file does not exist: " + path, e);
        } catch (IOException e) {
            throw new AlloException("cannot open safetensors file " + path + ": " + e, e);
        }
        try {
            return new SafetensorsFile(path, channel, SafetensorsHeader.read(path, channel), maxChunkBytes);
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw new AlloException("cannot read the header of safetensors file " + path + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(channel, e);
            throw e;
        }
    }

    /**
     * The file's path.
     *
     * @return the path given to {@link #open}
     */
    public Path path() {
        return path;
    }

    /**
     * The tensor names in file order (by offset).
     *
     * @return an unmodifiable list of names
     */
    public List<String> names() {
        return List.copyOf(header.byName().keySet());
    }

    /**
     * Every tensor's description, in file order (by offset).
     *
     * @return an unmodifiable list
     */
    public List<TensorInfo> tensors() {
        return header.tensors();
    }

    /**
     * Whether the file holds a tensor of this name.
     *
     * @param name a tensor name
     * @return true if present
     */
    public boolean contains(String name) {
        return header.byName().containsKey(name);
    }

    /**
     * The description of one tensor: dtype, shape and offsets.
     *
     * @param name a tensor name
     * @return its description
     * @throws AlloException if the file holds no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = header.byName().get(Objects.requireNonNull(name, "name"));
        if (info == null) {
            throw new AlloException("safetensors file " + path + " holds no tensor '" + name + "' (it holds "
                    + header.tensors().size() + " tensors" + sample() + ")");
        }
        return info;
    }

    /**
     * The string-to-string {@code __metadata__} of the header (for example {@code {"format": "pt"}}).
     *
     * @return an unmodifiable map, empty when the header has none
     */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * The header length {@code N}: the data buffer starts at byte {@code 8 + N}.
     *
     * @return the header length in bytes
     */
    public long headerLength() {
        return header.headerLength();
    }

    /**
     * Reads a tensor onto the manager's device, floating types as float32.
     *
     * @param name the tensor name
     * @param manager owns the returned array
     * @return a private copy of the tensor
     * @throws AlloException if the tensor is absent, of an unreadable dtype, or the file cannot be read
     */
    public NDArray read(String name, NDManager manager) {
        return read(name, manager, manager.getDevice(), FloatConversion.TO_FLOAT32);
    }

    /**
     * Reads a tensor onto a device, floating types as float32.
     *
     * @param name the tensor name
     * @param manager owns the returned array
     * @param device where the array lives
     * @return a private copy of the tensor
     * @throws AlloException if the tensor is absent, of an unreadable dtype, or the file cannot be read
     */
    public NDArray read(String name, NDManager manager, Device device) {
        return read(name, manager, device, FloatConversion.TO_FLOAT32);
    }

    /**
     * Reads a tensor.
     *
     * @param name the tensor name
     * @param manager owns the returned array
     * @param device where the array lives
     * @param conversion how floating types are converted ({@link FloatConversion#TO_FLOAT32} by default)
     * @return a private copy of the tensor, of the type {@link SafetensorsDtype#loadedType} gives, with the stored
     *     shape and the tensor's name as the array name
     * @throws AlloException if the tensor is absent, of an unreadable dtype, or the file cannot be read
     * @throws IllegalStateException if the file is closed
     */
    public NDArray read(String name, NDManager manager, Device device, FloatConversion conversion) {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(conversion, "conversion");
        ensureOpen();
        TensorInfo info = info(name);
        if (!info.dtype().isReadable()) {
            throw new AlloException("tensor '" + name + "' in safetensors file " + path + " has dtype "
                    + info.dtype() + ", which cannot be read; readable dtypes: "
                    + SafetensorsDtype.readableNames());
        }
        DataType type = info.dtype().loadedType(conversion);
        boolean onCpu = Device.Type.CPU.equals(device.getDeviceType());
        NDArray result;
        if (onCpu && device.equals(manager.getDevice())) {
            result = manager.create(info.shape(), type);
            try {
                fill(info, result);
            } catch (RuntimeException | Error e) {
                result.close();
                throw e;
            }
        } else {
            // Fill on the CPU, copy to the device if it is another one, and hand the result to the caller's
            // manager; a staging copy dies with the sub-manager.
            try (NDManager staging = manager.newSubManager(Device.cpu())) {
                NDArray cpu = staging.create(info.shape(), type);
                fill(info, cpu);
                result = onCpu ? cpu : cpu.toDevice(device, false);
                result.attach(manager);
            }
        }
        result.setName(name);
        return result;
    }

    /**
     * Reads a BF16 tensor's bytes without widening them: {@code (d_1, ..., d_n * 2)} uint8, each value's two
     * little-endian bytes {@code (lo, hi)} in place (the engine cannot hold a bfloat16 array).
     *
     * @param name the tensor name
     * @param manager owns the returned array
     * @param device where the array lives
     * @return the bytes, named after the tensor
     * @throws IllegalArgumentException if the tensor is not BF16
     * @throws AlloException if the tensor is absent or the file cannot be read
     */
    public NDArray readBf16Bytes(String name, NDManager manager, Device device) {
        ensureOpen();
        TensorInfo info = info(name);
        if (info.dtype() != SafetensorsDtype.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "' in safetensors file " + path + " is "
                    + info.dtype() + ", expected BF16");
        }
        long[] dims = info.shape().dimension() == 0 ? new long[] {1} : info.shape().getShape().clone();
        dims[dims.length - 1] *= 2;
        NDArray result;
        try (NDManager staging = manager.newSubManager(Device.cpu())) {
            NDArray cpu = staging.create(new Shape(dims), DataType.UINT8);
            NativeChunks.forEach(cpu, maxChunkBytes, (first, count, view) ->
                    view.put(map(info, info.fileOffset() + first, count))); // a plain copy of the bytes
            result = Device.Type.CPU.equals(device.getDeviceType()) ? cpu : cpu.toDevice(device, false);
            result.attach(manager);
        }
        result.setName(name);
        return result;
    }

    /**
     * Reads every readable tensor onto the manager's device, floating types as float32.
     *
     * @param manager owns the returned arrays
     * @return name to array, in file order
     * @throws AlloException if a tensor has an unreadable dtype or the file cannot be read; arrays read before the
     *     failure are closed
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
     * @return name to array, in file order
     * @throws AlloException if a tensor has an unreadable dtype or the file cannot be read; arrays read before the
     *     failure are closed
     */
    public Map<String, NDArray> readAll(NDManager manager, Device device, FloatConversion conversion) {
        Map<String, NDArray> result = new LinkedHashMap<>();
        try {
            for (TensorInfo t : header.tensors()) {
                result.put(t.name(), read(t.name(), manager, device, conversion));
            }
        } catch (RuntimeException e) {
            result.values().forEach(NDArray::close);
            throw e;
        }
        return result;
    }

    /** Closes the file. Arrays already read stay valid. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new AlloException("cannot close safetensors file " + path + ": " + e, e);
        }
    }

    private void fill(TensorInfo info, NDArray target) {
        SafetensorsDtype stored = info.dtype();
        int srcSize = stored.byteSize();
        int dstSize = target.getDataType().getNumOfBytes();
        // Size the pieces so that neither the mapped window nor the array piece exceeds the chunk limit.
        long chunkBytes = maxChunkBytes / Math.max(srcSize, dstSize) * dstSize;
        NativeChunks.forEach(target, chunkBytes, (first, count, view) -> {
            ByteBuffer src = map(info, info.fileOffset() + first * srcSize, count * srcSize);
            convert(stored, target.getDataType(), src, view, count);
        });
    }

    private static void convert(SafetensorsDtype stored, DataType loaded, ByteBuffer src, ByteBuffer dst, long count) {
        if (stored == SafetensorsDtype.BF16) {
            HalfPrecision.widenBf16(src, dst, count);
        } else if (stored == SafetensorsDtype.F16 && loaded == DataType.FLOAT32) {
            HalfPrecision.widenF16(src, dst, count);
        } else if (stored == SafetensorsDtype.F64 && loaded == DataType.FLOAT32) {
            ElementCopy.narrowF64(src, dst, count);
        } else {
            ElementCopy.fromLittleEndian(src, dst, stored.byteSize());
        }
    }

    private ByteBuffer map(TensorInfo info, long position, long length) {
        try {
            long size = channel.size();
            if (position + length > size) {
                throw new AlloException("safetensors file " + path + " shrank while open: tensor '" + info.name()
                        + "' needs bytes [" + position + ", " + (position + length) + "), the file now has " + size);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, position, length);
        } catch (IOException e) {
            throw new AlloException("cannot map bytes [" + position + ", " + (position + length)
                    + ") of safetensors file " + path + " for tensor '" + info.name() + "': " + e, e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("safetensors file " + path + " is closed");
        }
    }

    private String sample() {
        List<String> names = new ArrayList<>(header.byName().keySet());
        if (names.isEmpty()) {
            return "";
        }
        return ", for example " + String.join(", ", names.subList(0, Math.min(3, names.size())));
    }

    private static void closeQuietly(FileChannel channel, Exception primary) {
        try {
            channel.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }
}
