package dev.allo.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The built-in byte-level tokenizer: the UTF-8 bytes of the text are the ids, so it needs no files and encodes every
 * valid Unicode string.
 *
 * <p>Vocabulary ({@value #VOCAB_SIZE} ids): {@code 0..255} are the byte values, {@value #BOS} is BOS,
 * {@value #EOS} is EOS and {@value #PAD} is PAD. {@code decode(encode(s)).equals(s)} for every string {@code s}
 * without unpaired surrogates.
 *
 * <p>Decoding: special ids are dropped; the remaining bytes are decoded as UTF-8, and an ill-formed byte sequence
 * (for example a multi-byte character cut in half by truncation) becomes U+FFFD, one replacement per maximal
 * ill-formed subpart, as the JDK's UTF-8 decoder does. Ids outside {@code [0, 259)} are rejected.
 *
 * <p>Thread-safe and stateless.
 */
public final class ByteTokenizer implements Tokenizer {

    /** The beginning-of-sequence id. */
    public static final int BOS = 256;
    /** The end-of-sequence id. */
    public static final int EOS = 257;
    /** The padding id. */
    public static final int PAD = 258;
    /** The number of ids: 256 bytes and three special tokens. */
    public static final int VOCAB_SIZE = 259;

    private static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {
    }

    /**
     * The tokenizer (it has no state).
     *
     * @return the shared instance
     */
    public static ByteTokenizer create() {
        return INSTANCE;
    }

    /**
     * Encodes the text's UTF-8 bytes; no special tokens are added and nothing is truncated.
     *
     * @param text the text
     * @return one id per UTF-8 byte
     * @throws IllegalArgumentException if the text contains an unpaired surrogate (it has no UTF-8 form)
     */
    @Override
    public int[] encode(String text) {
        int n = text.length();
        int[] out = new int[n * 3]; // a UTF-16 unit needs at most 3 UTF-8 bytes (a pair needs 4 for 2 units)
        int k = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[k++] = c;
            } else if (c < 0x800) {
                out[k++] = 0xC0 | (c >> 6);
                out[k++] = 0x80 | (c & 0x3F);
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= n || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    throw new IllegalArgumentException("text has an unpaired surrogate U+"
                            + Integer.toHexString(c).toUpperCase() + " at index " + i + "; it has no UTF-8 encoding");
                }
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[k++] = 0xF0 | (cp >> 18);
                out[k++] = 0x80 | ((cp >> 12) & 0x3F);
                out[k++] = 0x80 | ((cp >> 6) & 0x3F);
                out[k++] = 0x80 | (cp & 0x3F);
            } else {
                out[k++] = 0xE0 | (c >> 12);
                out[k++] = 0x80 | ((c >> 6) & 0x3F);
                out[k++] = 0x80 | (c & 0x3F);
            }
        }
        return k == out.length ? out : Arrays.copyOf(out, k);
    }

    /**
     * Decodes ids to text, dropping BOS, EOS and PAD; ill-formed UTF-8 becomes U+FFFD (see the class comment).
     *
     * @param ids the ids
     * @return the text
     * @throws IllegalArgumentException naming the position and value of an id outside {@code [0, 259)}
     */
    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        int k = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("ids[" + i + "] must be in [0, " + VOCAB_SIZE + "), got " + id);
            }
            if (id < 256) {
                bytes[k++] = (byte) id;
            }
        }
        return new String(bytes, 0, k, StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    /**
     * The identity {@code "byte-level-utf8/v1/bos=256/eos=257/pad=258"}.
     *
     * @return the identity string
     */
    @Override
    public String identity() {
        return "byte-level-utf8/v1/bos=" + BOS + "/eos=" + EOS + "/pad=" + PAD;
    }

    @Override
    public OptionalInt bosId() {
        return OptionalInt.of(BOS);
    }

    @Override
    public OptionalInt eosId() {
        return OptionalInt.of(EOS);
    }

    @Override
    public OptionalInt padId() {
        return OptionalInt.of(PAD);
    }

    @Override
    public String toString() {
        return "ByteTokenizer[" + identity() + "]";
    }
}
