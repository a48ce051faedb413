package dev.allo.impl.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * How the library parses the JSON files it reads ({@code config.json}, safetensors headers, checkpoint indices,
 * JSON Lines data, {@code tokenizer.json}), and how their parse errors are worded.
 *
 * <p>Jackson's stream read constraints are set deliberately rather than left at their defaults: nesting depth at most
 * {@value #MAX_NESTING_DEPTH} and numbers of at most {@value #MAX_NUMBER_LENGTH} characters (no valid file of these
 * formats comes near either), and strings and field names of up to {@value #MAX_STRING_LENGTH} characters, the
 * safetensors format's own cap on a header, so that every header the format allows can be read (Jackson's default
 * would refuse a tensor name over 50,000 characters). Documents are not capped here: every caller has already read
 * the whole file into memory or reads it line by line.
 *
 * <p>A constraint violation carries no location; {@link #describe} words every parse error with its location when
 * Jackson knows one, and callers prefix the file (and line).
 */
public final class JsonFiles {
    /** The deepest nesting of arrays and objects accepted. */
    public static final int MAX_NESTING_DEPTH = 1_000;
    /** The most characters of one number accepted. */
    public static final int MAX_NUMBER_LENGTH = 1_000;
    /** The most characters of one string or field name accepted: the safetensors header cap, 100,000,000. */
    public static final int MAX_STRING_LENGTH = 100_000_000;

    private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxNumberLength(MAX_NUMBER_LENGTH)
            .maxStringLength(MAX_STRING_LENGTH)
            .maxNameLength(MAX_STRING_LENGTH)
            .build();

    private static final ObjectMapper STRICT = JsonMapper.builder(
                    JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final ObjectMapper LENIENT = JsonMapper.builder(
                    JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonFiles() {}

    /**
     * The mapper for the library's own formats and Hugging Face's {@code config.json}: the constraints above,
     * duplicate keys and content after the top-level value refused.
     *
     * @return a shared, thread-safe mapper (do not reconfigure it)
     */
    public static ObjectMapper strict() {
        return STRICT;
    }

    /**
     * The mapper for files that another program also parses with its own rules ({@code tokenizer.json}, read by the
     * Rust {@code tokenizers} library; {@code config.json}, read by Python's {@code json} module in
     * {@code transformers}): the same constraints and no trailing content, but duplicate keys allowed, the last one
     * winning.
     *
     * @return a shared, thread-safe mapper (do not reconfigure it)
     */
    public static ObjectMapper lenient() {
        return LENIENT;
    }

    /**
     * A parse error in words: Jackson's message and, when it knows one, the line and column.
     *
     * @param e the error
     * @return for example {@code "Unexpected character ('}' (code 125)) at line 3, column 7"}
     */
    public static String describe(JsonProcessingException e) {
        return message(e) + location(e, true);
    }

    /**
     * A parse error within one line of a JSON Lines file: Jackson's message and, when it knows one, the column.
     *
     * @param e the error
     * @return the message, then {@code " at column C"} when the column is known
     */
    public static String describeInLine(JsonProcessingException e) {
        return message(e) + location(e, false);
    }

    /**
     * Where a parse error occurred, when Jackson knows.
     *
     * @param e the error
     * @return {@code " at line L, column C"}, or an empty string for errors without a location (constraint
     *     violations)
     */
    public static String where(JsonProcessingException e) {
        return location(e, true);
    }

    /**
     * Jackson's message of a parse error, without its location.
     *
     * @param e the error
     * @return the message, or the exception's simple class name when it has none
     */
    public static String message(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /**
     * The index of the first unpaired UTF-16 surrogate of a string: JSON's unicode escapes can encode one, but no
     * Unicode text holds it.
     *
     * @param s the string
     * @return the index, or -1 when every surrogate is paired
     */
    public static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static String location(JsonProcessingException e, boolean withLine) {
        JsonLocation loc = e.getLocation();
        if (loc == null || loc == JsonLocation.NA || loc.getColumnNr() < 0) {
            return "";
        }
        return withLine ? " at line " + loc.getLineNr() + ", column " + loc.getColumnNr()
                : " at column " + loc.getColumnNr();
    }
}
