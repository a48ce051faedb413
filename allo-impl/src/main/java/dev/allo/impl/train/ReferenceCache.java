package dev.allo.impl.train;

import ai.djl.ndarray.NDManager;
import dev.allo.AlloException;
import dev.allo.data.Fingerprint;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.model.CausalLm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of {@link ReferenceLogProbs} files, each named by the SHA-256 {@link #fingerprint} of everything the
 * values depend on: the pairs' token ids, the reference model's weights and the tokenizer's identity. A lookup with
 * the same inputs reads the file; any change (other weights, other pairs, another tokenizer) gives another
 * fingerprint, so a stale file is never used. A file that cannot be read or fails its checksum is recomputed and
 * replaced.
 *
 * <p>File {@code <fingerprint>.reflogprobs}, little-endian: magic {@code "ALLOREF1"}, int32 length and ASCII bytes
 * of the fingerprint, int32 pair count, then per pair int64 index, int32 {@code n+}, {@code n+} float32, int32 {@code n-},
 * {@code n-} float32; then the CRC32 of all preceding bytes as int64. Written to a temporary file and atomically
 * renamed.
 *
 * <p>A cache may also have a read-only directory of files computed elsewhere (for example by the Spark jobs of
 * {@code allo-spark}): a lookup that finds no valid file in its own directory reads that one, and never writes it.
 */
public final class ReferenceCache {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceCache.class);
    private static final byte[] MAGIC = "ALLOREF1".getBytes(StandardCharsets.US_ASCII);
    private static final String SUFFIX = ".reflogprobs";

    private final Path directory;
    private final Optional<Path> precomputed;

    /**
     * A cache in a directory (created when the first file is written).
     *
     * @param directory where the files live
     */
    public ReferenceCache(Path directory) {
        this(directory, Optional.empty());
    }

    /**
     * A cache in a directory that also reads files from a read-only directory of precomputed ones.
     *
     * @param directory where the files are written and read first
     * @param precomputed where valid files are also looked up (never written), if present
     */
    public ReferenceCache(Path directory, Optional<Path> precomputed) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.precomputed = Objects.requireNonNull(precomputed, "precomputed");
    }

    /**
     * The fingerprint of reference log-probs: purpose {@code "reference-logprobs/v1"}, the tokenizer identity, every
     * pair's index and prompt, chosen and rejected ids (not the token weights, which do not change log-probs), and
     * the reference model's parameters (names, types, shapes, bytes).
     *
     * @param reference the reference model
     * @param pairs the pairs
     * @param tokenizerIdentity {@code Tokenizer.identity()} of the tokenizer that produced the ids
     * @return 64 hex digits
     */
    public static String fingerprint(CausalLm reference, List<TokenizedPair> pairs, String tokenizerIdentity) {
        Fingerprint.Builder b = Fingerprint.builder("reference-logprobs/v1")
                .add("tokenizer", tokenizerIdentity)
                .add("pairs", pairs.size());
        for (TokenizedPair p : pairs) {
            b.add("index", p.index()).add("prompt", p.promptIds()).add("chosen", p.chosenIds())
                    .add("rejected", p.rejectedIds());
        }
        if (reference instanceof DecoderModel decoder && !decoder.halfWeights().isEmpty()) {
            try (NDManager widened = decoder.manager().newSubManager()) { // 16-bit weights count too
                return b.addParameters("reference", decoder.weights(widened)).build();
            }
        }
        return b.addParameters("reference", reference.parameters()).build();
    }

    /**
     * The cached log-probs for these inputs, or freshly computed (and stored) ones when there is no valid file.
     * After this returns the reference model is no longer needed and may be closed.
     *
     * @param reference the frozen reference model; not modified
     * @param pairs the pairs
     * @param tokenizerIdentity the tokenizer's identity
     * @param batchSize pairs per forward pass when computing
     * @param logProbs the per-token log-prob calculator
     * @param padId the padding id
     * @return the log-probs; {@link ReferenceLogProbs#origin()} says whether they were read or computed
     * @throws AlloException if a computed file cannot be written
     */
    public ReferenceLogProbs getOrCompute(CausalLm reference, List<TokenizedPair> pairs, String tokenizerIdentity,
            int batchSize, TokenLogProbs logProbs, int padId) {
        String fingerprint = fingerprint(reference, pairs, tokenizerIdentity);
        Optional<ReferenceLogProbs> cached = load(fingerprint);
        if (cached.isPresent() && covers(cached.get(), pairs)) {
            return cached.get();
        }
        ReferenceLogProbs computed = ReferenceLogProbs.compute(reference, pairs, batchSize, logProbs, padId,
                fingerprint);
        save(computed);
        return computed;
    }

    /**
     * The file of a fingerprint.
     *
     * @param fingerprint the fingerprint
     * @return {@code directory/<fingerprint>.reflogprobs}
     */
    public Path file(String fingerprint) {
        return directory.resolve(fingerprint + SUFFIX);
    }

    /**
     * Reads the file of a fingerprint, if it exists and is valid; an invalid file is reported in the log and
     * treated as missing.
     *
     * @param fingerprint the fingerprint
     * @return the log-probs, with origin {@link ReferenceLogProbs.Origin#LOADED}
     */
    public Optional<ReferenceLogProbs> load(String fingerprint) {
        Optional<ReferenceLogProbs> own = load(file(fingerprint), fingerprint);
        if (own.isPresent() || precomputed.isEmpty()) {
            return own;
        }
        Optional<ReferenceLogProbs> external = load(precomputed.get().resolve(fingerprint + SUFFIX), fingerprint);
        external.ifPresent(v -> LOG.info("reference log-probs read from precomputed cache {}", precomputed.get()));
        return external;
    }

    private static Optional<ReferenceLogProbs> load(Path file, String fingerprint) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(read(file, fingerprint));
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring unreadable reference log-prob cache {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Writes log-probs to the file of their fingerprint, atomically.
     *
     * @param values the log-probs
     * @throws AlloException if the file cannot be written
     */
    public void save(ReferenceLogProbs values) {
        Path file = file(values.fingerprint());
        ByteBuffer buf = encode(values);
        Path tmp = null;
        try {
            Files.createDirectories(directory);
            tmp = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
            Files.write(tmp, buf.array());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new AlloException("cannot write reference log-prob cache " + file + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file is hidden and harmless; the error above is what matters
                }
            }
        }
    }

    private static boolean covers(ReferenceLogProbs values, List<TokenizedPair> pairs) {
        for (TokenizedPair p : pairs) {
            float[] c = values.chosenMap().get(p.index());
            float[] r = values.rejectedMap().get(p.index());
            if (c == null || r == null || c.length != p.chosenIds().length || r.length != p.rejectedIds().length) {
                return false;
            }
        }
        return true;
    }

    /** The file's bytes for {@code values}. */
    static ByteBuffer encode(ReferenceLogProbs values) {
        byte[] fp = values.fingerprint().getBytes(StandardCharsets.US_ASCII);
        long size = MAGIC.length + 4 + fp.length + 4 + 8;
        for (Long index : values.chosenMap().keySet()) {
            size += 8 + 4 + 4L * values.chosenMap().get(index).length + 4 + 4L * values.rejectedMap().get(index).length;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC);
        buf.putInt(fp.length);
        buf.put(fp);
        buf.putInt(values.chosenMap().size());
        for (Map.Entry<Long, float[]> e : values.chosenMap().entrySet()) {
            buf.putLong(e.getKey());
            putFloats(buf, e.getValue());
            putFloats(buf, values.rejectedMap().get(e.getKey()));
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putLong(crc.getValue());
        return buf;
    }

    private static void putFloats(ByteBuffer buf, float[] values) {
        buf.putInt(values.length);
        for (float v : values) {
            buf.putFloat(v);
        }
    }

    /**
     * Reads a reference log-prob file, checking its checksum and that it holds the expected fingerprint.
     *
     * @param file the file
     * @param fingerprint the fingerprint it must hold
     * @return the log-probs, with origin {@link ReferenceLogProbs.Origin#LOADED}
     * @throws IOException if the file cannot be read
     * @throws AlloException if it is truncated, corrupted or holds another fingerprint
     */
    static ReferenceLogProbs read(Path file, String fingerprint) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < MAGIC.length + 4 + 4 + 8) {
            throw new AlloException(file + " is truncated: " + bytes.length + " bytes");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getLong(bytes.length - 8) != crc.getValue()) {
            throw new AlloException(file + " fails its CRC32 checksum");
        }
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new AlloException(file + " is not a reference log-prob file (bad magic)");
        }
        int fpLength = buf.getInt();
        if (fpLength < 0 || fpLength > buf.remaining() - 12) {
            throw new AlloException(file + " has a bad fingerprint length " + fpLength);
        }
        byte[] fp = new byte[fpLength];
        buf.get(fp);
        String stored = new String(fp, StandardCharsets.US_ASCII);
        if (!stored.equals(fingerprint)) {
            throw new AlloException(file + " holds fingerprint " + stored + ", expected " + fingerprint);
        }
        int n = buf.getInt();
        Map<Long, float[]> chosen = new LinkedHashMap<>();
        Map<Long, float[]> rejected = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            long index = buf.getLong();
            chosen.put(index, getFloats(buf));
            rejected.put(index, getFloats(buf));
        }
        if (buf.position() != bytes.length - 8) {
            throw new AlloException(file + " has " + (bytes.length - 8 - buf.position()) + " unexpected bytes");
        }
        return new ReferenceLogProbs(fingerprint, chosen, rejected, ReferenceLogProbs.Origin.LOADED);
    }

    private static float[] getFloats(ByteBuffer buf) {
        int n = buf.getInt();
        if (n < 0 || 4L * n > buf.remaining()) {
            throw new AlloException("reference log-prob file has a bad length " + n);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = buf.getFloat();
        }
        return out;
    }
}
