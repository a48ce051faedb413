package dev.allo.data;

import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A SHA-256 fingerprint of everything that determines a derived artefact (cached token scores, reference
 * log-probs), so a cache is reused only when every input is the same.
 *
 * <p>Each entry is hashed as {@code label, type tag, length, content}, all length-prefixed, so different sequences
 * of entries never collide by concatenation ({@code "ab" + "c"} differs from {@code "a" + "bc"}). Order matters.
 *
 * <pre>{@code
 * String key = Fingerprint.builder("token-scores/v1")
 *     .add("tokenizer", tokenizer.identity())
 *     .add("scorer", scorerDescription)
 *     .addParameters("rewriter", rewriter.parameters())   // the hook for model weights
 *     .build();
 * }</pre>
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    /**
     * Starts a fingerprint.
     *
     * @param purpose what is being fingerprinted, with a format version (hashed first)
     * @return the builder
     */
    public static Builder builder(String purpose) {
        return new Builder().add("purpose", purpose);
    }

    /** Accumulates entries; not thread-safe; {@link #build()} may be called once. */
    public static final class Builder {
        private final MessageDigest digest;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private boolean built;

        private Builder() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every Java platform", e);
            }
        }

        /**
         * Adds a string entry.
         *
         * @param label the entry's name
         * @param value the value
         * @return this builder
         */
        public Builder add(String label, String value) {
            byte[] b = value.getBytes(StandardCharsets.UTF_8);
            header(label, 'S', b.length);
            digest.update(b);
            return this;
        }

        /**
         * Adds a long entry.
         *
         * @param label the entry's name
         * @param value the value
         * @return this builder
         */
        public Builder add(String label, long value) {
            header(label, 'J', 1);
            putLong(value);
            return this;
        }

        /**
         * Adds a double entry (by its IEEE bits, so {@code 0.95} and {@code 0.9500001} differ).
         *
         * @param label the entry's name
         * @param value the value
         * @return this builder
         */
        public Builder add(String label, double value) {
            header(label, 'D', 1);
            putLong(Double.doubleToLongBits(value));
            return this;
        }

        /**
         * Adds an int array entry.
         *
         * @param label the entry's name
         * @param values the values
         * @return this builder
         */
        public Builder add(String label, int[] values) {
            header(label, 'I', values.length);
            ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asIntBuffer().put(values);
            digest.update(buf.array());
            return this;
        }

        /**
         * Adds a float array entry (by bits).
         *
         * @param label the entry's name
         * @param values the values
         * @return this builder
         */
        public Builder add(String label, float[] values) {
            header(label, 'F', values.length);
            ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(values);
            digest.update(buf.array());
            return this;
        }

        /**
         * The hook for model weights: adds every parameter's name, data type, shape and raw bytes, in the map's order
         * (copied to the host when the arrays live on an accelerator).
         *
         * @param label the entry's name (for example {@code "rewriter"})
         * @param parameters the parameters by name, in a fixed order (as {@code CausalLm.parameters()} gives them)
         * @return this builder
         */
        public Builder addParameters(String label, Map<String, NDArray> parameters) {
            header(label, 'P', parameters.size());
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray a = e.getValue();
                add("name", e.getKey());
                add("dtype", a.getDataType().toString());
                add("shape", a.getShape().toString());
                byte[] data = a.toByteArray();
                header("data", 'B', data.length);
                digest.update(data);
            }
            return this;
        }

        /**
         * Finishes the fingerprint.
         *
         * @return 64 lower-case hex digits
         * @throws IllegalStateException if called twice
         */
        public String build() {
            if (built) {
                throw new IllegalStateException("build() was already called on this fingerprint builder");
            }
            built = true;
            return HexFormat.of().formatHex(digest.digest());
        }

        private void header(String label, char type, long length) {
            if (built) {
                throw new IllegalStateException("cannot add to a fingerprint after build()");
            }
            byte[] l = label.getBytes(StandardCharsets.UTF_8);
            putLong(l.length);
            digest.update(l);
            digest.update((byte) type);
            putLong(length);
        }

        private void putLong(long v) {
            scratch.clear();
            scratch.putLong(v);
            digest.update(scratch.array());
        }
    }
}
