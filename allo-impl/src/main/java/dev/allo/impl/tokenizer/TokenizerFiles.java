package dev.allo.impl.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The files that {@code save_pretrained} writes for a tokenizer, to be stored beside a model so that
 * {@code transformers}' {@code AutoTokenizer.from_pretrained} loads the model's directory.
 *
 * <p>For a {@link HuggingFaceJsonTokenizer}: its {@code tokenizer.json}, byte for byte (refused if the file changed
 * since the tokenizer was loaded), and, when present beside it, {@value #CONFIG_FILE}, {@value #SPECIAL_TOKENS_FILE}
 * and {@value #CHAT_TEMPLATE_FILE}, copied as they are. A missing {@value #CONFIG_FILE} is replaced by a minimal one
 * ({@code "tokenizer_class": "PreTrainedTokenizerFast"} and the tokenizer's BOS, EOS and PAD tokens), a missing
 * {@value #SPECIAL_TOKENS_FILE} by the map of those same tokens.
 *
 * <p>Any other tokenizer, in particular the built-in {@link dev.allo.tokenizer.ByteTokenizer}, has no Hugging Face
 * files: it contributes none, and a Python user needs a tokenizer of their own for such a model.
 */
public final class TokenizerFiles {
    /** The tokenizer definition that the Rust {@code tokenizers} library reads. */
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** The {@code transformers} tokenizer settings: class, special tokens, chat template. */
    public static final String CONFIG_FILE = "tokenizer_config.json";
    /** The special tokens by role. */
    public static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";
    /** A chat template kept in a file of its own, as newer {@code transformers} versions write it. */
    public static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";

    private TokenizerFiles() {}

    /**
     * The files to write beside the model, by file name, in the order written.
     *
     * @param tokenizer the model's tokenizer
     * @return file name to content; empty for a tokenizer without Hugging Face files
     * @throws AlloException naming the file if a file cannot be read or {@code tokenizer.json} changed after loading
     */
    public static Map<String, byte[]> of(Tokenizer tokenizer) {
        if (!(tokenizer instanceof HuggingFaceJsonTokenizer hf)) {
            return Map.of();
        }
        Path file = hf.file();
        byte[] json = read(file);
        String expected = "hf-tokenizer-json/sha256=" + sha256(json) + "/";
        if (!hf.identity().startsWith(expected)) {
            throw new AlloException("tokenizer file " + file + " changed after the tokenizer was loaded (its SHA-256"
                    + " is now " + sha256(json) + ", the tokenizer's identity is " + hf.identity() + "); load the"
                    + " tokenizer again");
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(TOKENIZER_FILE, json);
        Path dir = file.toAbsolutePath().getParent();
        Map<String, String> special = null;
        for (String name : List.of(CONFIG_FILE, SPECIAL_TOKENS_FILE, CHAT_TEMPLATE_FILE)) {
            Path sibling = dir.resolve(name);
            if (Files.isRegularFile(sibling)) {
                files.put(name, read(sibling));
            } else if (!name.equals(CHAT_TEMPLATE_FILE)) {
                if (special == null) {
                    special = specialTokens(hf, json);
                }
                files.put(name, name.equals(CONFIG_FILE) ? minimalConfig(special) : specialTokensMap(special));
            }
        }
        return files;
    }

    /** The texts of BOS, EOS and PAD, by their {@code transformers} names, for the roles the tokenizer has. */
    private static Map<String, String> specialTokens(HuggingFaceJsonTokenizer hf, byte[] json) {
        Map<Integer, String> texts = tokenTexts(hf.file(), json);
        Map<String, String> out = new LinkedHashMap<>();
        put(out, "bos_token", hf.bosId(), texts);
        put(out, "eos_token", hf.eosId(), texts);
        put(out, "pad_token", hf.padId(), texts);
        return out;
    }

    private static void put(Map<String, String> out, String role, OptionalInt id, Map<Integer, String> texts) {
        if (id.isPresent() && texts.containsKey(id.getAsInt())) {
            out.put(role, texts.get(id.getAsInt()));
        }
    }

    /** Token text by id: {@code model.vocab} (a map, or Unigram's list of pairs), then {@code added_tokens}. */
    private static Map<Integer, String> tokenTexts(Path file, byte[] json) {
        JsonNode root;
        try {
            root = JsonFiles.lenient().readTree(json);
        } catch (IOException e) {
            throw new AlloException("tokenizer file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        Map<Integer, String> texts = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            vocab.properties().forEach(e -> texts.put(e.getValue().asInt(), e.getKey()));
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                texts.put(i, vocab.get(i).path(0).asText());
            }
        }
        for (JsonNode t : root.path("added_tokens")) {
            texts.put(t.path("id").asInt(), t.path("content").asText());
        }
        return texts;
    }

    private static byte[] minimalConfig(Map<String, String> special) {
        ObjectNode o = JsonFiles.strict().createObjectNode();
        special.forEach(o::put);
        o.put("clean_up_tokenization_spaces", false);
        o.put("tokenizer_class", "PreTrainedTokenizerFast");
        return pretty(o);
    }

    private static byte[] specialTokensMap(Map<String, String> special) {
        ObjectNode o = JsonFiles.strict().createObjectNode();
        special.forEach(o::put);
        return pretty(o);
    }

    private static byte[] pretty(ObjectNode o) {
        try {
            return (JsonFiles.strict().writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot encode tokenizer settings: " + e.getOriginalMessage(), e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new AlloException("cannot read tokenizer file " + file + ": " + e, e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
