package dev.allo.tokenizer;

import java.util.OptionalInt;

/**
 * Turns text into token ids and back.
 *
 * <p>{@link #encode(String)} never adds special tokens: callers that build training sequences add BOS and EOS
 * themselves, exactly once. {@link #decode(int[])} drops the special tokens it knows.
 *
 * <p>Implementations: {@link ByteTokenizer} (built in, no files) and, in allo-impl, an adapter for Hugging Face
 * {@code tokenizer.json} files.
 */
public interface Tokenizer {

    /**
     * Encodes text without adding special tokens and without truncation.
     *
     * @param text the text
     * @return the token ids
     */
    int[] encode(String text);

    /**
     * Decodes token ids to text, skipping special tokens.
     *
     * @param ids the token ids
     * @return the text
     */
    String decode(int[] ids);

    /**
     * The number of distinct ids this tokenizer can produce.
     *
     * @return the vocabulary size
     */
    int vocabSize();

    /**
     * A stable description of the mapping from text to ids: two tokenizers with the same identity encode every text
     * to the same ids. Used in cache fingerprints, so it must change whenever the vocabulary, merges, normalisation
     * or special tokens change (a file-based tokenizer uses a hash of its file).
     *
     * @return the identity string
     */
    String identity();

    /**
     * The beginning-of-sequence token, if the tokenizer has one.
     *
     * @return the BOS id
     */
    OptionalInt bosId();

    /**
     * The end-of-sequence token, if the tokenizer has one.
     *
     * @return the EOS id
     */
    OptionalInt eosId();

    /**
     * The padding token, if the tokenizer has one.
     *
     * @return the PAD id
     */
    OptionalInt padId();
}
