package dev.allo.impl.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's tokenizers library (the Rust {@code tokenizers} crate), fully
 * offline.
 *
 * <p>Set up so that it honours the {@link Tokenizer} contract: truncation off (DJL's default cuts at 512 tokens),
 * padding off, and {@link #encode} adds no special tokens (the file's post-processor is not applied);
 * {@link #decode} skips special tokens.
 *
 * <p>Special tokens, first match wins: (1) the ones given to {@link Builder}; (2) {@code bos_token},
 * {@code eos_token}, {@code pad_token} of a {@code tokenizer_config.json} in the same folder; (3) the file's
 * post-processor (a {@code TemplateProcessing} single template's special token before the sequence is BOS and after it
 * EOS; {@code cls}/{@code sep} of {@code BertProcessing}/{@code RobertaProcessing}); (4) special
 * {@code added_tokens} with a well-known name ({@code <s>}, {@code <|begin_of_text|>}, {@code <bos>}, {@code [CLS]};
 * {@code </s>}, {@code <|end_of_text|>}, {@code <|endoftext|>}, {@code <eos>}, {@code [SEP]}; {@code <pad>},
 * {@code [PAD]}, {@code <|pad|>}). A token that is named but not in the vocabulary is an error.
 *
 * <p>{@link #vocabSize()} is one more than the largest id of the model's vocabulary and the added tokens.
 * {@link #identity()} includes the SHA-256 of the file and the resolved special ids.
 */
public final class HuggingFaceJsonTokenizer implements Tokenizer, AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<bos>", "[CLS]",
            "<|startoftext|>");
    private static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>",
            "[SEP]");
    private static final List<String> PAD_NAMES = List.of("<pad>", "[PAD]", "<|pad|>", "<|padding|>");

    private final HuggingFaceTokenizer delegate;
    private final Path file;
    private final int vocabSize;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final OptionalInt pad;
    private final String identity;

    /** Optional overrides of the special tokens. */
    public static final class Builder {
        private final Path path;
        private String bosToken;
        private String eosToken;
        private String padToken;

        private Builder(Path path) {
            this.path = path;
        }

        /**
         * Sets the BOS token by its text.
         *
         * @param token the token, for example {@code "<s>"}
         * @return this builder
         */
        public Builder bosToken(String token) {
            this.bosToken = token;
            return this;
        }

        /**
         * Sets the EOS token by its text.
         *
         * @param token the token
         * @return this builder
         */
        public Builder eosToken(String token) {
            this.eosToken = token;
            return this;
        }

        /**
         * Sets the PAD token by its text.
         *
         * @param token the token
         * @return this builder
         */
        public Builder padToken(String token) {
            this.padToken = token;
            return this;
        }

        /**
         * Loads the tokenizer.
         *
         * @return the tokenizer; the caller closes it
         * @throws AlloException if the file cannot be read or parsed
         * @throws IllegalArgumentException if a named special token is not in the vocabulary
         */
        public HuggingFaceJsonTokenizer build() {
            return new HuggingFaceJsonTokenizer(this);
        }
    }

    /**
     * Starts building a tokenizer.
     *
     * @param path a {@code tokenizer.json} file, or a folder containing one
     * @return the builder
     */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /**
     * Loads a tokenizer with the special tokens found in its files.
     *
     * @param path a {@code tokenizer.json} file, or a folder containing one
     * @return the tokenizer; the caller closes it
     */
    public static HuggingFaceJsonTokenizer load(Path path) {
        return builder(path).build();
    }

    private HuggingFaceJsonTokenizer(Builder b) {
        this.file = Files.isDirectory(b.path) ? b.path.resolve("tokenizer.json") : b.path;
        byte[] bytes;
        JsonNode json;
        try {
            bytes = Files.readAllBytes(file);
            json = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new AlloException("cannot read tokenizer file " + file + ": " + e.getMessage(), e);
        }
        Map<String, Integer> tokenIds = tokenIds(json);
        this.vocabSize = tokenIds.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (vocabSize == 0) {
            throw new AlloException("tokenizer file " + file + " has no vocabulary (model.vocab and added_tokens"
                    + " are empty)");
        }
        JsonNode config = readConfig(file.resolveSibling("tokenizer_config.json"));
        this.bos = resolve("BOS", b.bosToken, config.path("bos_token"), postProcessorToken(json, true), BOS_NAMES,
                json, tokenIds);
        this.eos = resolve("EOS", b.eosToken, config.path("eos_token"), postProcessorToken(json, false), EOS_NAMES,
                json, tokenIds);
        this.pad = resolve("PAD", b.padToken, config.path("pad_token"), null, PAD_NAMES, json, tokenIds);
        this.identity = "hf-tokenizer-json/sha256=" + sha256(bytes) + "/bos=" + describe(bos) + "/eos="
                + describe(eos) + "/pad=" + describe(pad);
        try {
            this.delegate = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new AlloException("DJL cannot load tokenizer file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text) {
        long[] ids = delegate.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * Decodes ids, skipping special tokens.
     *
     * @param ids the ids
     * @return the text
     * @throws IllegalArgumentException naming the position and value of an id outside {@code [0, vocabSize)}
     */
    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("ids[" + i + "] must be in [0, " + vocabSize + "), got " + ids[i]);
            }
            l[i] = ids[i];
        }
        return delegate.decode(l, true);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public OptionalInt bosId() {
        return bos;
    }

    @Override
    public OptionalInt eosId() {
        return eos;
    }

    @Override
    public OptionalInt padId() {
        return pad;
    }

    /**
     * The file this tokenizer was loaded from.
     *
     * @return the path of the {@code tokenizer.json}
     */
    public Path file() {
        return file;
    }

    /** Releases the native tokenizer. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "HuggingFaceJsonTokenizer[" + file + ", vocab=" + vocabSize + ", " + identity + "]";
    }

    private static Map<String, Integer> tokenIds(JsonNode json) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                ids.put(e.getKey(), e.getValue().asInt());
            }
        } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], the id is the position
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).path(0).asText(), i);
            }
        }
        for (JsonNode t : json.path("added_tokens")) {
            ids.put(t.path("content").asText(), t.path("id").asInt());
        }
        return ids;
    }

    private JsonNode readConfig(Path config) {
        if (!Files.isRegularFile(config)) {
            return MAPPER.createObjectNode();
        }
        try {
            return MAPPER.readTree(config.toFile());
        } catch (IOException e) {
            throw new AlloException("cannot read " + config + ": " + e.getMessage(), e);
        }
    }

    // The special token the post-processor puts before (bos) or after (eos) the single sequence.
    private static String postProcessorToken(JsonNode json, boolean before) {
        JsonNode pp = json.path("post_processor");
        if ("Sequence".equals(pp.path("type").asText())) {
            for (JsonNode p : pp.path("processors")) {
                String t = processorToken(p, before);
                if (t != null) {
                    return t;
                }
            }
            return null;
        }
        return processorToken(pp, before);
    }

    private static String processorToken(JsonNode pp, boolean before) {
        String type = pp.path("type").asText();
        if ("TemplateProcessing".equals(type)) {
            JsonNode single = pp.path("single");
            int seq = -1;
            for (int i = 0; i < single.size(); i++) {
                if (single.get(i).has("Sequence")) {
                    seq = i;
                    break;
                }
            }
            if (seq < 0) {
                return null;
            }
            int at = before ? seq - 1 : seq + 1;
            if (at >= 0 && at < single.size() && single.get(at).has("SpecialToken")) {
                String name = single.get(at).path("SpecialToken").path("id").asText();
                JsonNode tokens = pp.path("special_tokens").path(name).path("tokens");
                return tokens.size() == 1 ? tokens.get(0).asText() : name;
            }
            return null;
        }
        if ("BertProcessing".equals(type) || "RobertaProcessing".equals(type)) {
            JsonNode t = pp.path(before ? "cls" : "sep");
            return t.isArray() && t.size() > 0 ? t.get(0).asText() : null;
        }
        return null;
    }

    private OptionalInt resolve(String what, String explicit, JsonNode configToken, String fromPostProcessor,
            List<String> knownNames, JsonNode json, Map<String, Integer> tokenIds) {
        String name = explicit;
        String source = "the builder";
        if (name == null && !configToken.isMissingNode() && !configToken.isNull()) {
            name = configToken.isTextual() ? configToken.asText() : configToken.path("content").asText(null);
            source = "tokenizer_config.json";
        }
        if (name == null && fromPostProcessor != null) {
            name = fromPostProcessor;
            source = "the post-processor";
        }
        if (name == null) {
            for (JsonNode t : json.path("added_tokens")) {
                if (t.path("special").asBoolean(false) && knownNames.contains(t.path("content").asText())) {
                    return OptionalInt.of(t.path("id").asInt());
                }
            }
            return OptionalInt.empty();
        }
        Integer id = tokenIds.get(name);
        if (id == null) {
            throw new IllegalArgumentException(what + " token '" + name + "' named by " + source + " is not in the"
                    + " vocabulary of " + file);
        }
        return OptionalInt.of(id);
    }

    private static String describe(OptionalInt id) {
        return id.isPresent() ? Integer.toString(id.getAsInt()) : "none";
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
