package dev.allo.impl.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.allo.AlloException;
import dev.allo.impl.io.JsonFiles;
import dev.allo.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * <p>Checked at load, each failure an {@link AlloException} naming the file and the token or JSON path: every id of
 * {@code model.vocab} and {@code added_tokens} is an integer in {@code [0, MAX_TOKEN_ID]}; added tokens have at most
 * {@link #MAX_ADDED_TOKEN_CHARS} characters; and nothing in the file would make the native library abort the JVM
 * (JSON its parser refuses, BPE merges shorter than {@code continuing_subword_prefix}).
 *
 * <p>{@link #vocabSize()} is one more than the largest id of the model's vocabulary and the added tokens.
 * {@link #identity()} includes the SHA-256 of the file and the resolved special ids.
 */
public final class HuggingFaceJsonTokenizer implements Tokenizer, AutoCloseable {

    /**
     * The largest token id accepted: {@code 2^31 - 2}, so that {@link #vocabSize()}, one more than the largest id,
     * is still an {@code int}.
     */
    public static final int MAX_TOKEN_ID = Integer.MAX_VALUE - 1;

    /**
     * The longest added token accepted, in characters. Real added tokens are short ({@code <|eot_id|>}, runs of
     * spaces); the Rust {@code tokenizers} library takes time quadratic in an added token's length to load it
     * (about 5 s for 20,000 characters, over a minute for 60,000).
     */
    public static final int MAX_ADDED_TOKEN_CHARS = 4_096;
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
            json = JsonFiles.lenient().readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new AlloException("tokenizer file " + file + " is not valid JSON: " + JsonFiles.describe(e), e);
        } catch (IOException e) {
            throw new AlloException("cannot read tokenizer file " + file + ": " + e.getMessage(), e);
        }
        if (!json.isObject()) {
            throw new AlloException("tokenizer file " + file + " must hold a JSON object, found "
                    + (json.isMissingNode() ? "nothing" : json.getNodeType()));
        }
        SerdeCompatibility.check(json, file);
        Map<String, Integer> tokenIds = tokenIds(json);
        checkMergesAgainstPrefix(json);
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
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new AlloException("tokenizer file " + file + " produced id " + ids[i] + " at position " + i
                        + ", outside [0, vocabSize = " + vocabSize + ") of the ids its vocabulary lists");
            }
            out[i] = (int) ids[i];
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

    /**
     * Every token's id, from {@code model.vocab} and {@code added_tokens}, each checked to lie in
     * {@code [0, MAX_TOKEN_ID]}.
     */
    private Map<String, Integer> tokenIds(JsonNode json) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                ids.put(e.getKey(), tokenId(e.getValue(), "model.vocab", e.getKey()));
            }
        } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], the id is the position
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).path(0).asText(), i);
            }
        }
        JsonNode added = json.path("added_tokens");
        if (!added.isMissingNode() && !added.isNull() && !added.isArray()) {
            throw new AlloException("tokenizer file " + file + ": added_tokens must be a list, found "
                    + added.getNodeType());
        }
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            JsonNode content = t.path("content");
            if (!content.isTextual()) {
                throw new AlloException("tokenizer file " + file + ": added_tokens[" + i + "].content must be a"
                        + " string, found " + shown(content));
            }
            if (content.textValue().length() > MAX_ADDED_TOKEN_CHARS) {
                throw new AlloException("tokenizer file " + file + ": added_tokens[" + i + "].content has "
                        + content.textValue().length() + " characters, more than the " + MAX_ADDED_TOKEN_CHARS
                        + " accepted (the tokenizers library takes time quadratic in its length to load it)");
            }
            ids.put(content.textValue(), tokenId(t.path("id"), "added_tokens[" + i + "]", content.textValue()));
        }
        return ids;
    }

    /**
     * Refuses what would make the Rust {@code tokenizers} library panic, which aborts the JVM: a BPE merge whose
     * second part is shorter (in UTF-8 bytes) than {@code continuing_subword_prefix}, or would be cut inside a
     * character where the prefix ends (the library slices {@code b[prefix.len()..]} of every merge {@code (a, b)}).
     */
    private void checkMergesAgainstPrefix(JsonNode json) {
        JsonNode model = json.path("model");
        JsonNode prefix = model.path("continuing_subword_prefix");
        JsonNode merges = model.path("merges");
        if (!prefix.isTextual() || !merges.isArray()) {
            return;
        }
        int prefixBytes = prefix.textValue().getBytes(StandardCharsets.UTF_8).length;
        for (int i = 0; i < merges.size(); i++) {
            JsonNode m = merges.get(i);
            String second = null;
            if (m.isTextual()) {
                int space = m.textValue().indexOf(' ');
                second = space < 0 ? null : m.textValue().substring(space + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(1).isTextual()) {
                second = m.get(1).textValue();
            }
            if (second == null) {
                continue;
            }
            byte[] b = second.getBytes(StandardCharsets.UTF_8);
            if (b.length < prefixBytes || (b.length > prefixBytes && (b[prefixBytes] & 0xC0) == 0x80)) {
                throw new AlloException("tokenizer file " + file + ": model.merges[" + i + "] "
                        + abbreviate(m.toString()) + " does not continue with model.continuing_subword_prefix "
                        + abbreviate(prefix.toString()) + " (" + prefixBytes + " UTF-8 bytes); the tokenizers library"
                        + " cannot load it");
            }
        }
    }

    /** A token id, checked to be an integer in {@code [0, MAX_TOKEN_ID]}; the message names the file and token. */
    private int tokenId(JsonNode id, String where, String token) {
        if (!id.isIntegralNumber() || !id.canConvertToLong() || id.longValue() < 0 || id.longValue() > MAX_TOKEN_ID) {
            throw new AlloException("tokenizer file " + file + ": " + where + " token '" + abbreviate(token)
                    + "' has id " + shown(id) + "; expected an integer in [0, " + MAX_TOKEN_ID + "]");
        }
        return id.intValue();
    }

    private static String shown(JsonNode node) {
        return node.isMissingNode() ? "nothing" : abbreviate(node.toString());
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }

    private JsonNode readConfig(Path config) {
        if (!Files.isRegularFile(config)) {
            return JsonFiles.lenient().createObjectNode();
        }
        try {
            JsonNode node = JsonFiles.lenient().readTree(config.toFile());
            if (!node.isObject()) {
                throw new AlloException(config + " must hold a JSON object, found "
                        + (node.isMissingNode() ? "nothing" : node.getNodeType()));
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new AlloException(config + " is not valid JSON: " + JsonFiles.describe(e), e);
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
                    return OptionalInt.of(t.path("id").intValue());
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
