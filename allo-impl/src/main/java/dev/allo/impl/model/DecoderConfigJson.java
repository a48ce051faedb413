package dev.allo.impl.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.impl.io.JsonFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads and writes {@link DecoderConfig} as Hugging Face {@code config.json}, with each family's own fields. */
final class DecoderConfigJson {
    /** Top-level fields that {@link DecoderConfig} models (everything else is kept verbatim). */
    static final Set<String> KNOWN_FIELDS = Set.of("hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "rms_norm_eps", "rope_theta", "vocab_size",
            "max_position_embeddings", "tie_word_embeddings", "initializer_range", "bos_token_id", "eos_token_id",
            "pad_token_id", "architectures", "model_type", "rope_scaling", "rope_parameters");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private DecoderConfigJson() {}

    static DecoderConfig read(Path file) {
        Path f = Files.isDirectory(file) ? file.resolve("config.json") : file;
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new AlloException("Missing config file " + f + ": expected a Hugging Face config.json", e);
        } catch (IOException e) {
            throw new AlloException("Cannot read config file " + f + ": " + e, e);
        }
        return parse(text, f.toString());
    }

    static DecoderConfig parse(String json, String source) {
        JsonNode root;
        try {
            // Duplicate keys are allowed, the last one winning, as Python's json module (and so transformers) does.
            root = JsonFiles.lenient().readTree(json);
        } catch (JsonProcessingException e) {
            throw new AlloException(source + ": malformed JSON" + JsonFiles.where(e) + ": " + JsonFiles.message(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new AlloException(source + ": expected a JSON object at the top level, got "
                    + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType()));
        }
        FieldReader r = new FieldReader((ObjectNode) root, source);
        ModelFamily family;
        try {
            family = ModelFamilies.resolve(r.optionalString("model_type"), r.optionalStringList("architectures"));
        } catch (IllegalArgumentException e) {
            throw new AlloException(source + ": " + e.getMessage(), e);
        }
        Set<String> known = new HashSet<>(KNOWN_FIELDS);
        known.addAll(family.familyFields());
        if (family.familyFields().contains("mlp_bias")) {
            r.refuseTrue("mlp_bias", "biases in the MLP projections are not implemented");
        }
        RopeScaling scaling = r.ropeScaling();
        Double nestedTheta = r.ropeParametersTheta();
        DecoderConfig.Builder b = DecoderConfig.builder()
                .hiddenSize(r.requiredInt("hidden_size"))
                .intermediateSize(r.requiredInt("intermediate_size"))
                .numHiddenLayers(r.requiredInt("num_hidden_layers"))
                .numAttentionHeads(r.requiredInt("num_attention_heads"))
                .numKeyValueHeads(r.optionalInt("num_key_value_heads"))
                .headDim(r.optionalInt("head_dim"))
                .vocabSize(r.requiredInt("vocab_size"))
                .bosTokenId(r.optionalInt("bos_token_id"))
                .eosTokenIds(r.intOrIntList("eos_token_id"))
                .padTokenId(r.optionalInt("pad_token_id"))
                .ropeScaling(scaling);
        readFamilyFields(r, family, b);
        Double eps = r.optionalDouble("rms_norm_eps");
        if (eps != null) {
            b.rmsNormEps(eps);
        }
        Double theta = r.optionalDouble("rope_theta");
        if (theta != null) {
            b.ropeTheta(theta);
        } else if (nestedTheta != null) {
            b.ropeTheta(nestedTheta);
        }
        Integer maxPos = r.optionalInt("max_position_embeddings");
        if (maxPos != null) {
            b.maxPositionEmbeddings(maxPos);
        }
        Boolean tie = r.optionalBoolean("tie_word_embeddings");
        if (tie != null) {
            b.tieWordEmbeddings(tie);
        }
        Double range = r.optionalDouble("initializer_range");
        if (range != null) {
            b.initializerRange(range);
        }
        String act = r.optionalString(family.activationField());
        if (act != null) {
            b.hiddenAct(act);
        }
        b.architectures(r.optionalStringList("architectures"));
        b.modelType(r.optionalString("model_type"));
        Map<String, JsonNode> extras = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!known.contains(e.getKey())) {
                extras.put(e.getKey(), e.getValue());
            }
        }
        b.extraFields(extras);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new AlloException(source + ": invalid config: " + e.getMessage(), e);
        }
    }

    static String toJson(DecoderConfig c) {
        ObjectNode o = MAPPER.createObjectNode();
        ArrayNode arch = o.putArray("architectures");
        c.architectures().forEach(arch::add);
        o.put("model_type", c.modelType());
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", c.intermediateSize());
        o.put("num_hidden_layers", c.numHiddenLayers());
        o.put("num_attention_heads", c.numAttentionHeads());
        o.put("num_key_value_heads", c.numKeyValueHeads());
        o.put("head_dim", c.headDim());
        o.put(c.family().activationField(), c.hiddenAct());
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("rope_theta", c.ropeTheta());
        putRopeScaling(o, c.ropeScaling());
        putFamilyFields(o, c);
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.maxPositionEmbeddings());
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        o.put("initializer_range", c.initializerRange());
        putNullable(o, "bos_token_id", c.bosTokenId());
        if (c.eosTokenIds().size() == 1) {
            o.put("eos_token_id", c.eosTokenIds().get(0));
        } else if (c.eosTokenIds().isEmpty()) {
            o.putNull("eos_token_id");
        } else {
            ArrayNode eos = o.putArray("eos_token_id");
            c.eosTokenIds().forEach(eos::add);
        }
        putNullable(o, "pad_token_id", c.padTokenId());
        c.extraFields().forEach(o::set);
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new AlloException("Cannot serialise config: " + e.getOriginalMessage(), e);
        }
    }

    static void write(DecoderConfig c, Path file) {
        Path target = Files.isDirectory(file) ? file.resolve("config.json") : file;
        Path dir = target.toAbsolutePath().getParent();
        byte[] bytes = toJson(c).getBytes(StandardCharsets.UTF_8);
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new AlloException("Cannot write config file " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The temporary file is hidden and harmless; the original error matters more.
                }
            }
        }
    }

    /** Reads the fields that only some families have ({@link ModelFamily#familyFields()}). */
    private static void readFamilyFields(FieldReader r, ModelFamily family, DecoderConfig.Builder b) {
        List<String> fields = family.familyFields();
        if (fields.contains("attention_bias")) {
            b.attentionBias(Boolean.TRUE.equals(r.optionalBoolean("attention_bias")));
        }
        if (fields.contains("sliding_window") && r.has("sliding_window")) {
            b.slidingWindow(r.optionalInt("sliding_window"));
        }
        if (fields.contains("use_sliding_window")) {
            b.useSlidingWindow(Boolean.TRUE.equals(r.optionalBoolean("use_sliding_window")));
        }
        if (fields.contains("max_window_layers")) {
            b.maxWindowLayers(r.optionalInt("max_window_layers"));
        }
        if (fields.contains("layer_types")) {
            b.layerTypes(r.optionalStringList("layer_types"));
        }
        if (fields.contains("query_pre_attn_scalar")) {
            b.queryPreAttnScalar(r.optionalDouble("query_pre_attn_scalar"));
        }
        if (fields.contains("attn_logit_softcapping") && r.has("attn_logit_softcapping")) {
            b.attnLogitSoftcapping(r.optionalDouble("attn_logit_softcapping"));
        }
        if (fields.contains("final_logit_softcapping") && r.has("final_logit_softcapping")) {
            b.finalLogitSoftcapping(r.optionalDouble("final_logit_softcapping"));
        }
    }

    private static void putFamilyFields(ObjectNode o, DecoderConfig c) {
        List<String> fields = c.family().familyFields();
        if (fields.contains("attention_bias")) {
            o.put("attention_bias", c.attentionBias());
        }
        if (fields.contains("mlp_bias")) {
            o.put("mlp_bias", false);
        }
        if (fields.contains("use_sliding_window")) {
            o.put("use_sliding_window", c.useSlidingWindow());
        }
        if (fields.contains("sliding_window")) {
            putNullable(o, "sliding_window", c.slidingWindow());
        }
        if (fields.contains("max_window_layers")) {
            putNullable(o, "max_window_layers", c.maxWindowLayers());
        }
        if (fields.contains("layer_types")) {
            ArrayNode types = o.putArray("layer_types");
            c.layerTypes().forEach(types::add);
        }
        if (fields.contains("query_pre_attn_scalar")) {
            o.put("query_pre_attn_scalar", c.queryPreAttnScalar());
            putNullable(o, "attn_logit_softcapping", c.attnLogitSoftcapping());
            putNullable(o, "final_logit_softcapping", c.finalLogitSoftcapping());
        }
    }

    private static void putNullable(ObjectNode o, String field, Double value) {
        if (value == null) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }

    /** {@code rope_scaling} as {@code transformers} 4.x writes it: {@code null} for plain RoPE. */
    private static void putRopeScaling(ObjectNode o, RopeScaling s) {
        if (s.type() == RopeScaling.Type.DEFAULT) {
            o.putNull("rope_scaling");
            return;
        }
        ObjectNode n = o.putObject("rope_scaling");
        n.put("rope_type", s.type().jsonName());
        n.put("factor", s.factor());
        if (s.type() == RopeScaling.Type.LLAMA3) {
            n.put("low_freq_factor", s.lowFreqFactor());
            n.put("high_freq_factor", s.highFreqFactor());
        }
        if (s.originalMaxPositionEmbeddings() != null) {
            n.put("original_max_position_embeddings", s.originalMaxPositionEmbeddings());
        }
    }

    private static void putNullable(ObjectNode o, String field, Integer value) {
        if (value == null) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }

    /** Typed access to the fields of one {@code config.json}, with errors that name the source and field. */
    private static final class FieldReader {
        private final ObjectNode root;
        private final String source;

        FieldReader(ObjectNode root, String source) {
            this.root = root;
            this.source = source;
        }

        boolean has(String field) {
            return root.has(field);
        }

        /**
         * The rotary scaling: {@code rope_scaling} when non-null, else {@code rope_parameters} (whose
         * {@code rope_type} may be {@code "default"} with only a {@code rope_theta}); the type is read from
         * {@code rope_type} or the older {@code type}.
         */
        RopeScaling ropeScaling() {
            String field = "rope_scaling";
            JsonNode p = root.get(field);
            if (p == null || p.isNull()) {
                field = "rope_parameters";
                p = root.get(field);
            }
            if (p == null || p.isNull()) {
                return RopeScaling.NONE;
            }
            if (!p.isObject()) {
                throw wrongType(field, "an object or null", p);
            }
            String typeKey = p.has("rope_type") ? "rope_type" : "type";
            JsonNode typeNode = p.get(typeKey);
            if (typeNode == null || typeNode.isNull()) {
                if (field.equals("rope_parameters")) {
                    return RopeScaling.NONE;
                }
                throw new AlloException(source + ": field \"rope_scaling.rope_type\" is missing; expected one of"
                        + " \"default\", \"linear\", \"dynamic\", \"llama3\"");
            }
            RopeScaling.Type type = typeNode.isTextual() ? RopeScaling.Type.of(typeNode.textValue()) : null;
            if (type == null) {
                throw new AlloException(source + ": field \"" + field + "." + typeKey + "\" must be one of"
                        + " \"default\", \"linear\", \"dynamic\", \"llama3\" (other rotary scalings are not"
                        + " implemented), got " + typeNode);
            }
            if (type == RopeScaling.Type.DEFAULT) {
                return RopeScaling.NONE;
            }
            double factor = nestedNumber(p, field, "factor", true);
            boolean llama3 = type == RopeScaling.Type.LLAMA3;
            double low = llama3 ? nestedNumber(p, field, "low_freq_factor", true) : 0;
            double high = llama3 ? nestedNumber(p, field, "high_freq_factor", true) : 0;
            Integer original = null;
            JsonNode o = p.get("original_max_position_embeddings");
            if (o != null && !o.isNull()) {
                original = asInt(o, field + ".original_max_position_embeddings");
            } else if (llama3) {
                throw new AlloException(source + ": field \"" + field
                        + ".original_max_position_embeddings\" is required for rope_type \"llama3\"");
            }
            try {
                return new RopeScaling(type, factor, low, high, original);
            } catch (IllegalArgumentException e) {
                throw new AlloException(source + ": invalid " + field + ": " + e.getMessage(), e);
            }
        }

        private double nestedNumber(JsonNode parent, String field, String key, boolean required) {
            JsonNode n = parent.get(key);
            if (n == null || n.isNull()) {
                if (required) {
                    throw new AlloException(source + ": field \"" + field + "." + key + "\" is required for"
                            + " rope_type \"" + parent.path(parent.has("rope_type") ? "rope_type" : "type").asText()
                            + "\"");
                }
                return 0;
            }
            if (!n.isNumber()) {
                throw wrongType(field + "." + key, "a number", n);
            }
            return n.doubleValue();
        }

        int requiredInt(String field) {
            Integer v = optionalInt(field);
            if (v == null) {
                throw new AlloException(source + ": missing required field \"" + field + "\" (an integer)");
            }
            return v;
        }

        Integer optionalInt(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            return asInt(n, field);
        }

        Double optionalDouble(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isNumber()) {
                throw wrongType(field, "a number", n);
            }
            return n.doubleValue();
        }

        Boolean optionalBoolean(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isBoolean()) {
                throw wrongType(field, "true or false", n);
            }
            return n.booleanValue();
        }

        String optionalString(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isTextual()) {
                throw wrongType(field, "a string", n);
            }
            return n.textValue();
        }

        List<String> optionalStringList(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isArray()) {
                throw wrongType(field, "a list of strings", n);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw wrongType(field, "a list of strings", n);
                }
                out.add(e.textValue());
            }
            return out;
        }

        List<Integer> intOrIntList(String field) {
            JsonNode n = root.get(field);
            List<Integer> out = new ArrayList<>();
            if (n == null || n.isNull()) {
                return out;
            }
            if (n.isArray()) {
                for (JsonNode e : n) {
                    out.add(asInt(e, field));
                }
            } else {
                out.add(asInt(n, field));
            }
            return out;
        }

        void refuseTrue(String field, String why) {
            Boolean v = optionalBoolean(field);
            if (Boolean.TRUE.equals(v)) {
                throw new AlloException(source + ": field \"" + field + "\" must be false (" + why + "), got true");
            }
        }

        /** The {@code rope_theta} of a newer-style {@code rope_parameters} object. */
        Double ropeParametersTheta() {
            JsonNode p = root.get("rope_parameters");
            if (p == null || p.isNull()) {
                return null;
            }
            if (!p.isObject()) {
                throw wrongType("rope_parameters", "an object", p);
            }
            JsonNode theta = p.get("rope_theta");
            if (theta == null || theta.isNull()) {
                return null;
            }
            if (!theta.isNumber()) {
                throw wrongType("rope_parameters.rope_theta", "a number", theta);
            }
            return theta.doubleValue();
        }

        private int asInt(JsonNode n, String field) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw wrongType(field, "an integer", n);
            }
            return n.intValue();
        }

        private AlloException wrongType(String field, String expected, JsonNode actual) {
            return new AlloException(source + ": field \"" + field + "\" must be " + expected + ", got " + actual);
        }
    }
}
