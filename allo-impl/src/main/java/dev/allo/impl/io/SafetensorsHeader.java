package dev.allo.impl.io;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The parsed and validated header of a safetensors file.
 *
 * <p>Layout (little-endian): 8 bytes {@code N}, an unsigned header length; {@code N} bytes of UTF-8 JSON; the data
 * buffer. The JSON object maps each tensor name to {@code {"dtype": ..., "shape": [...], "data_offsets": [begin,
 * end]}}, offsets relative to the start of the data buffer, plus an optional {@code "__metadata__"} object of string
 * to string.
 *
 * <p>Checks, each failing with an {@link AlloException} that names the file and tensor: the file holds the 8-byte
 * prefix; {@code N <= 100,000,000} (the format's own limit) and {@code N} fits in the file; the header is UTF-8, one
 * JSON object, without duplicate keys or trailing content; every entry has a known dtype, a shape of non-negative
 * integers and two offsets {@code begin <= end}; {@code end - begin = product(shape) * dtype size}; the tensors,
 * ordered by offset, cover the data buffer exactly, without gaps or overlaps, and the buffer ends where the file
 * ends (a shorter file is reported as truncated).
 */
final class SafetensorsHeader {
    /** The format's limit on the header length, in bytes. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    static final ObjectMapper JSON = JsonFiles.strict();

    private final long headerLength;
    private final Map<String, String> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;

    private SafetensorsHeader(long headerLength, Map<String, String> metadata, List<TensorInfo> tensors) {
        this.headerLength = headerLength;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> map = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            map.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    long headerLength() {
        return headerLength;
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors in file order (by offset). */
    List<TensorInfo> tensors() {
        return tensors;
    }

    Map<String, TensorInfo> byName() {
        return byName;
    }

    /**
     * Reads and validates the header of an open file.
     *
     * @param file the file's path, for messages
     * @param channel the open file
     * @return the header
     * @throws AlloException naming the file, the tensor, and what was expected and found
     * @throws IOException if reading fails
     */
    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new AlloException("safetensors file " + file + " has " + fileSize
                    + " bytes, fewer than the 8-byte header length that starts every safetensors file");
        }
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, prefix, 0);
        long n = prefix.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new AlloException("safetensors file " + file + " declares a header of " + Long.toUnsignedString(n)
                    + " bytes, more than the limit of " + MAX_HEADER_BYTES
                    + " bytes; the file is corrupt or not a safetensors file");
        }
        if (n > fileSize - 8) {
            throw new AlloException("safetensors file " + file + " declares a header of " + n
                    + " bytes, but only " + (fileSize - 8) + " bytes follow the 8-byte length (file size " + fileSize
                    + "); the file is truncated or not a safetensors file");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) n);
        readFully(channel, raw, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(raw.flip())
                    .toString();
        } catch (CharacterCodingException e) {
            throw new AlloException("the header of safetensors file " + file + " is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AlloException("the header of safetensors file " + file + " is not valid JSON: "
                    + JsonFiles.describe(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new AlloException("the header of safetensors file " + file
                    + " must be a JSON object of tensor entries, found " + describe(root));
        }
        long dataStart = 8 + n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (METADATA_KEY.equals(field.getKey())) {
                metadata.putAll(parseMetadata(file, field.getValue()));
            } else {
                tensors.add(parseEntry(file, field.getKey(), field.getValue(), dataStart));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::dataBegin).thenComparingLong(TensorInfo::dataEnd));
        checkCoverage(file, tensors, fileSize - dataStart, dataStart, fileSize);
        return new SafetensorsHeader(n, metadata, tensors);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw new AlloException("__metadata__ in safetensors file " + file
                    + " must be an object of string values, found " + describe(node));
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new AlloException("__metadata__ in safetensors file " + file + ": the value of '" + e.getKey()
                        + "' must be a string, found " + describe(e.getValue()));
            }
            result.put(e.getKey(), e.getValue().textValue());
        }
        return result;
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataStart) {
        String where = "tensor '" + name + "' in safetensors file " + file;
        if (!node.isObject()) {
            throw new AlloException(where + ": expected an object with dtype, shape and data_offsets, found "
                    + describe(node));
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new AlloException(where + ": expected a string field dtype, found " + describe(dtypeNode));
        }
        SafetensorsDtype dtype = SafetensorsDtype.parse(dtypeNode.textValue())
                .orElseThrow(() -> new AlloException(where + " has unknown dtype '" + dtypeNode.textValue()
                        + "'; known dtypes: " + Arrays.stream(SafetensorsDtype.values())
                                .map(Enum::name).collect(Collectors.joining(", "))));
        long[] dims = nonNegativeLongs(node.get("shape"), -1);
        if (dims == null) {
            throw new AlloException(where + ": expected shape to be an array of non-negative integers, found "
                    + describe(node.get("shape")));
        }
        long[] offsets = nonNegativeLongs(node.get("data_offsets"), 2);
        if (offsets == null || offsets[0] > offsets[1]) {
            throw new AlloException(where + ": expected data_offsets to be two integers [begin, end] with"
                    + " 0 <= begin <= end, found " + describe(node.get("data_offsets")));
        }
        long expectedBytes;
        try {
            long count = 1;
            for (long d : dims) {
                count = Math.multiplyExact(count, d);
            }
            expectedBytes = Math.multiplyExact(count, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new AlloException(where + ": shape " + Arrays.toString(dims) + " of dtype " + dtype
                    + " has more bytes than a 64-bit size can count", e);
        }
        long spanned = offsets[1] - offsets[0];
        if (spanned != expectedBytes) {
            throw new AlloException(where + ": dtype " + dtype + " and shape " + Arrays.toString(dims) + " need "
                    + expectedBytes + " bytes, but data_offsets " + Arrays.toString(offsets) + " span " + spanned
                    + " bytes");
        }
        long fileOffset;
        try {
            fileOffset = Math.addExact(dataStart, offsets[0]);
        } catch (ArithmeticException e) {
            throw new AlloException(where + ": data_offsets " + Arrays.toString(offsets) + " overflow", e);
        }
        return new TensorInfo(file, name, dtype, new Shape(dims), offsets[0], offsets[1], fileOffset);
    }

    /** Returns the values of an array of non-negative integers (of the given length, when not -1), else null. */
    private static long[] nonNegativeLongs(JsonNode node, int requiredLength) {
        if (node == null || !node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
            return null;
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                return null;
            }
            values[i] = v.longValue();
        }
        return values;
    }

    private static void checkCoverage(
            Path file, List<TensorInfo> sorted, long dataLength, long dataStart, long fileSize) {
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.dataBegin() < covered) {
                throw new AlloException("tensor '" + t.name() + "' in safetensors file " + file
                        + " overlaps tensor '" + previous.name() + "': its data_offsets [" + t.dataBegin() + ", "
                        + t.dataEnd() + "] start before byte " + covered + ", where '" + previous.name() + "' ends");
            }
            if (t.dataBegin() > covered) {
                throw new AlloException("data bytes [" + covered + ", " + t.dataBegin() + ") of safetensors file "
                        + file + " belong to no tensor (the gap ends where tensor '" + t.name()
                        + "' begins); the format requires the tensors to cover the data buffer without gaps");
            }
            covered = t.dataEnd();
            previous = t;
        }
        if (covered > dataLength) {
            TensorInfo cut = sorted.stream().filter(t -> t.dataEnd() > dataLength).findFirst().orElseThrow();
            throw new AlloException("safetensors file " + file + " is truncated: tensor '" + cut.name()
                    + "' needs file bytes [" + cut.fileOffset() + ", " + (dataStart + cut.dataEnd())
                    + "), but the file has " + fileSize + " bytes; expected a file of " + (dataStart + covered)
                    + " bytes");
        }
        if (covered < dataLength) {
            throw new AlloException("safetensors file " + file + " has " + (dataLength - covered)
                    + " bytes after the last tensor's data that belong to no tensor: expected a file of "
                    + (dataStart + covered) + " bytes, found " + fileSize);
        }
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        String text = node.toString();
        String shown = text.length() > 80 ? text.substring(0, 77) + "..." : text;
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + shown;
    }

    static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, pos);
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += read;
        }
    }
}
