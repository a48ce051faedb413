package dev.allo.impl.model;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hyper-parameters of a decoder-only causal language model of one of the supported families
 * ({@link ModelFamilies}: LLaMA, Mistral, Qwen2, Qwen3, Gemma 2), as Hugging Face's configuration classes write them to
 * {@code config.json}.
 *
 * <p>Every field keeps the meaning of the Hugging Face field of the same (snake_case) name:
 *
 * <ul>
 *   <li>{@code hiddenSize} ({@code hidden_size}, H): width of the residual stream.
 *   <li>{@code intermediateSize} ({@code intermediate_size}, I): width of the SwiGLU MLP.
 *   <li>{@code numHiddenLayers} ({@code num_hidden_layers}, L): number of decoder layers.
 *   <li>{@code numAttentionHeads} ({@code num_attention_heads}, n_h): query heads.
 *   <li>{@code numKeyValueHeads} ({@code num_key_value_heads}, n_kv): key/value heads; each serves
 *       {@code n_h / n_kv} query heads (grouped-query attention). Hugging Face's default is {@code n_h}.
 *   <li>{@code headDim} ({@code head_dim}, d): width of one head; Hugging Face's default is {@code H / n_h}. It must
 *       be even (rotary embeddings rotate pairs of features).
 *   <li>{@code rmsNormEps} ({@code rms_norm_eps}, default 1e-6): epsilon of every RMSNorm.
 *   <li>{@code ropeTheta} ({@code rope_theta}, default 10000): base of the rotary frequencies.
 *   <li>{@code vocabSize} ({@code vocab_size}, V), {@code maxPositionEmbeddings} ({@code max_position_embeddings},
 *       default 2048, recorded but not enforced).
 *   <li>{@code tieWordEmbeddings} ({@code tie_word_embeddings}, default false): the output head reuses the
 *       embedding matrix and there is no {@code lm_head.weight}.
 *   <li>{@code initializerRange} ({@code initializer_range}, default 0.02): standard deviation of random weights.
 *   <li>{@code bosTokenId}, {@code eosTokenIds}, {@code padTokenId}: special tokens; {@code eos_token_id} may be a
 *       single id or a list in {@code config.json} and is kept as a list. Absent ids are {@code null} (empty list
 *       for EOS) rather than Hugging Face's class defaults, which need not exist in a small vocabulary.
 *   <li>{@code hiddenAct} must be the family's activation ({@code "silu"}, or {@code "gelu_pytorch_tanh"} read from
 *       {@code hidden_activation} for Gemma 2); {@code modelType} selects the family ({@code "llama"} by default,
 *       or the family whose architecture {@code architectures} names); {@code architectures} must contain the
 *       family's architecture (an absent list means that one).
 *   <li>{@code ropeScaling} ({@code rope_scaling}, or the newer {@code rope_parameters}): {@link RopeScaling#NONE}
 *       or a {@code linear}, {@code dynamic} or {@code llama3} scaling.
 *   <li>{@code attentionBias} ({@code attention_bias}, LLaMA, Qwen3 and Gemma 2, default false): biases on all four
 *       attention projections. Qwen2 always has biases on q/k/v and none on o (see {@link ModelFamily}).
 *   <li>{@code slidingWindow} ({@code sliding_window}, Mistral, Qwen and Gemma 2; absent means the family default 4096,
 *       {@code null} means none): the window W; a query sees the W most recent keys, itself included.
 *   <li>{@code useSlidingWindow}, {@code maxWindowLayers} ({@code use_sliding_window}, default false, and
 *       {@code max_window_layers}, default 28; Qwen only): the window applies only when the flag is set, and then to
 *       the layers marked {@code "sliding_attention"} in {@code layerTypes} ({@code layer_types}; by default the
 *       layers with index {@code >= max_window_layers}). For Mistral the flag is {@code slidingWindow != null} and
 *       every layer slides; for Gemma 2 the flag is {@code slidingWindow != null} and the layers marked in
 *       {@code layer_types} (by default the even ones) slide; for LLaMA no layer does.
 *   <li>{@code extraFields}: every other top-level field of {@code config.json} (for example {@code torch_dtype}),
 *       kept verbatim so that reading and writing a file loses nothing.
 * </ul>
 *
 * <p>Features the model does not implement are refused when a file is read: {@code mlp_bias} true, or a
 * {@code rope_type} other than {@code default}, {@code linear}, {@code dynamic} and {@code llama3}.
 *
 * <p>Values are validated in the constructor; messages use the {@code config.json} field names.
 *
 * @param hiddenSize {@code hidden_size}
 * @param intermediateSize {@code intermediate_size}
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads}
 * @param numKeyValueHeads {@code num_key_value_heads}
 * @param headDim {@code head_dim}
 * @param rmsNormEps {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}
 * @param vocabSize {@code vocab_size}
 * @param maxPositionEmbeddings {@code max_position_embeddings}
 * @param tieWordEmbeddings {@code tie_word_embeddings}
 * @param initializerRange {@code initializer_range}
 * @param bosTokenId {@code bos_token_id}, nullable
 * @param eosTokenIds {@code eos_token_id} as a list, possibly empty
 * @param padTokenId {@code pad_token_id}, nullable
 * @param hiddenAct {@code hidden_act} ({@code hidden_activation} for Gemma 2)
 * @param architectures {@code architectures}
 * @param modelType {@code model_type}
 * @param ropeScaling {@code rope_scaling}
 * @param attentionBias {@code attention_bias}
 * @param slidingWindow {@code sliding_window}, nullable
 * @param useSlidingWindow {@code use_sliding_window}
 * @param maxWindowLayers {@code max_window_layers}, nullable (Qwen only)
 * @param layerTypes {@code layer_types}, or {@code null} for the family's default
 * @param queryPreAttnScalar {@code query_pre_attn_scalar} (Gemma 2 only, default 256): attention scores are
 *     scaled by its inverse square root instead of {@code 1/sqrt(d)}; {@code null} for the other families
 * @param attnLogitSoftcapping {@code attn_logit_softcapping} (Gemma 2 only, default 50, nullable): scores become
 *     {@code c * tanh(s / c)}
 * @param finalLogitSoftcapping {@code final_logit_softcapping} (Gemma 2 only, default 30, nullable): logits become
 *     {@code c * tanh(z / c)}
 * @param extraFields the other fields of {@code config.json}, in file order
 */
public record DecoderConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        int vocabSize,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        double initializerRange,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        String hiddenAct,
        List<String> architectures,
        String modelType,
        RopeScaling ropeScaling,
        boolean attentionBias,
        Integer slidingWindow,
        boolean useSlidingWindow,
        Integer maxWindowLayers,
        List<String> layerTypes,
        Double queryPreAttnScalar,
        Double attnLogitSoftcapping,
        Double finalLogitSoftcapping,
        Map<String, JsonNode> extraFields) {

    /** The architecture of the default family. */
    public static final String ARCHITECTURE = "LlamaForCausalLM";

    /** The default {@code model_type}. */
    public static final String MODEL_TYPE = "llama";

    /** {@code layer_types} value of a layer with full causal attention. */
    public static final String FULL_ATTENTION = "full_attention";

    /** {@code layer_types} value of a layer with sliding-window attention. */
    public static final String SLIDING_ATTENTION = "sliding_attention";

    /** The largest {@code num_hidden_layers} accepted (the largest published decoders have a few hundred). */
    public static final int MAX_LAYERS = 65_536;

    /** Validates every field; see the type's documentation for the constraints. */
    public DecoderConfig {
        requirePositive(hiddenSize, "hidden_size");
        requirePositive(intermediateSize, "intermediate_size");
        requirePositive(numHiddenLayers, "num_hidden_layers");
        if (numHiddenLayers > MAX_LAYERS) {
            // Per-layer structures (layer types, shapes) are built from this count: bound it before they are.
            throw new IllegalArgumentException("num_hidden_layers must be at most " + MAX_LAYERS + ", got "
                    + numHiddenLayers);
        }
        requirePositive(numAttentionHeads, "num_attention_heads");
        requirePositive(numKeyValueHeads, "num_key_value_heads");
        requirePositive(headDim, "head_dim");
        requirePositive(vocabSize, "vocab_size");
        requirePositive(maxPositionEmbeddings, "max_position_embeddings");
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be divisible by num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if ((long) numAttentionHeads * headDim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("num_attention_heads * head_dim (" + numAttentionHeads + " * "
                    + headDim + ") must be at most " + Integer.MAX_VALUE);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException(
                    "head_dim must be even (rotary embeddings rotate pairs of features), got " + headDim);
        }
        if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
            throw new IllegalArgumentException("rms_norm_eps must be positive and finite, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be positive and finite, got " + ropeTheta);
        }
        if (!(initializerRange >= 0) || Double.isInfinite(initializerRange)) {
            throw new IllegalArgumentException(
                    "initializer_range must be non-negative and finite, got " + initializerRange);
        }
        requireTokenId(bosTokenId, "bos_token_id", vocabSize);
        requireTokenId(padTokenId, "pad_token_id", vocabSize);
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        for (Integer eos : eosTokenIds) {
            requireTokenId(eos, "eos_token_id", vocabSize);
        }
        ModelFamily family = ModelFamilies.resolve(modelType, architectures);
        if (!family.activation().equals(hiddenAct)) {
            throw new IllegalArgumentException(family.activationField() + " must be \"" + family.activation() + "\" ("
                    + (family.activation().equals("silu") ? "SwiGLU" : "GeGLU") + " MLP), got "
                    + (hiddenAct == null ? "null" : "\"" + hiddenAct + "\""));
        }
        requireGemmaScalars(family, queryPreAttnScalar, attnLogitSoftcapping, finalLogitSoftcapping);
        architectures = architectures == null || architectures.isEmpty()
                ? List.of(family.architecture()) : List.copyOf(architectures);
        modelType = family.modelType();
        ropeScaling = ropeScaling == null ? RopeScaling.NONE : ropeScaling;
        if (attentionBias && !family.attentionBiasField()) {
            throw new IllegalArgumentException("attention_bias is not a field of model_type \"" + modelType
                    + "\" (its projection biases are fixed by the family), got true");
        }
        if (slidingWindow != null && slidingWindow <= 0) {
            throw new IllegalArgumentException("sliding_window must be positive or null, got " + slidingWindow);
        }
        switch (family.slidingWindow()) {
            case NONE -> {
                if (slidingWindow != null || useSlidingWindow || maxWindowLayers != null) {
                    throw new IllegalArgumentException("model_type \"" + modelType
                            + "\" has no sliding-window attention; sliding_window, use_sliding_window and"
                            + " max_window_layers must be unset, got " + slidingWindow + ", " + useSlidingWindow
                            + ", " + maxWindowLayers);
                }
            }
            case ALL_LAYERS, EVEN_LAYERS -> {
                useSlidingWindow = slidingWindow != null;
                if (maxWindowLayers != null) {
                    throw new IllegalArgumentException("max_window_layers is not a field of model_type \""
                            + modelType + "\"");
                }
            }
            case LAYER_TYPES -> {
                if (maxWindowLayers == null || maxWindowLayers < 0) {
                    throw new IllegalArgumentException(
                            "max_window_layers must be a non-negative integer, got " + maxWindowLayers);
                }
            }
        }
        layerTypes = resolveLayerTypes(family, numHiddenLayers, slidingWindow, useSlidingWindow, maxWindowLayers,
                layerTypes);
        Map<String, JsonNode> extras = new LinkedHashMap<>();
        if (extraFields != null) {
            for (Map.Entry<String, JsonNode> e : extraFields.entrySet()) {
                if (DecoderConfigJson.KNOWN_FIELDS.contains(e.getKey())
                        || family.familyFields().contains(e.getKey())) {
                    throw new IllegalArgumentException("extraFields must not contain the modelled field \""
                            + e.getKey() + "\"");
                }
                extras.put(e.getKey(), Objects.requireNonNull(e.getValue(), e.getKey()).deepCopy());
            }
        }
        extraFields = Collections.unmodifiableMap(extras);
    }

    /**
     * The fields of {@code config.json} that this record does not model, in file order.
     *
     * @return an unmodifiable map of deep copies (changing them does not change the config)
     */
    @Override
    public Map<String, JsonNode> extraFields() {
        Map<String, JsonNode> copy = new LinkedHashMap<>();
        extraFields.forEach((k, v) -> copy.put(k, v.deepCopy()));
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Reads and validates a Hugging Face {@code config.json}.
     *
     * @param file the {@code config.json} file (or a checkpoint directory that contains one)
     * @return the configuration
     * @throws dev.allo.AlloException if the file is missing, unreadable, malformed, or holds an invalid or
     *     unsupported value; the message names the file and the field, with the expected and actual value
     */
    public static DecoderConfig read(Path file) {
        return DecoderConfigJson.read(file);
    }

    /**
     * Parses and validates the text of a {@code config.json}.
     *
     * @param json the JSON text
     * @param source how to name the text in error messages (a file name, for example)
     * @return the configuration
     * @throws dev.allo.AlloException if the text is malformed or holds an invalid or unsupported value
     */
    public static DecoderConfig parse(String json, String source) {
        return DecoderConfigJson.parse(json, source);
    }

    /**
     * Writes this configuration as a Hugging Face {@code config.json}, atomically (a temporary file in the same
     * directory, then a rename), so a reader never sees a half-written file.
     *
     * @param file the target file (or an existing directory, to write {@code config.json} inside it)
     * @throws dev.allo.AlloException if the file cannot be written
     */
    public void write(Path file) {
        DecoderConfigJson.write(this, file);
    }

    /**
     * This configuration as {@code config.json} text (pretty-printed, modelled fields first, then
     * {@link #extraFields()}).
     *
     * @return the JSON text
     */
    public String toJson() {
        return DecoderConfigJson.toJson(this);
    }

    /**
     * Width of all query heads together, {@code n_h * d}.
     *
     * @return the query projection's output size
     */
    public int queryDim() {
        return numAttentionHeads * headDim;
    }

    /**
     * Width of all key (or value) heads together, {@code n_kv * d}.
     *
     * @return the key and value projections' output size
     */
    public int keyValueDim() {
        return numKeyValueHeads * headDim;
    }

    /**
     * The parameters of a model of this configuration, by their Hugging Face {@code LlamaForCausalLM} names, with
     * their shapes ({@code [out, in]} for projections), in the order of Hugging Face's {@code named_parameters()}:
     * {@code model.embed_tokens.weight (V, H)}; then for each layer N,
     * {@code model.layers.N.self_attn.q_proj.weight (n_h*d, H)}, {@code k_proj (n_kv*d, H)},
     * {@code v_proj (n_kv*d, H)}, {@code o_proj (H, n_h*d)} (each projection followed by its {@code .bias} when the
     * family has one: {@code (n_h*d)}, {@code (n_kv*d)}, {@code (n_kv*d)}, {@code (H)}), then, for Qwen3,
     * {@code self_attn.q_norm.weight (d)} and {@code self_attn.k_norm.weight (d)};
     * {@code model.layers.N.mlp.gate_proj.weight (I, H)},
     * {@code up_proj (I, H)}, {@code down_proj (H, I)}, {@code model.layers.N.input_layernorm.weight (H)},
     * {@code model.layers.N.post_attention_layernorm.weight (H)} (for Gemma 2 also
     * {@code pre_feedforward_layernorm.weight (H)} and {@code post_feedforward_layernorm.weight (H)}); then
     * {@code model.norm.weight (H)} and, only when
     * the embeddings are not tied, {@code lm_head.weight (V, H)}.
     *
     * @return an unmodifiable ordered map from parameter name to shape
     */
    public Map<String, Shape> parameterShapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        int h = hiddenSize;
        boolean qkvBias = qkvBias();
        boolean oBias = outputBias();
        boolean qkNorm = family().qkNorm();
        boolean gemma = family().gemmaBlocks();
        shapes.put(DecoderNames.EMBED_TOKENS, new Shape(vocabSize, h));
        for (int layer = 0; layer < numHiddenLayers; layer++) {
            shapes.put(DecoderNames.qProj(layer), new Shape(queryDim(), h));
            if (qkvBias) {
                shapes.put(DecoderNames.bias(DecoderNames.qProj(layer)), new Shape(queryDim()));
            }
            shapes.put(DecoderNames.kProj(layer), new Shape(keyValueDim(), h));
            if (qkvBias) {
                shapes.put(DecoderNames.bias(DecoderNames.kProj(layer)), new Shape(keyValueDim()));
            }
            shapes.put(DecoderNames.vProj(layer), new Shape(keyValueDim(), h));
            if (qkvBias) {
                shapes.put(DecoderNames.bias(DecoderNames.vProj(layer)), new Shape(keyValueDim()));
            }
            shapes.put(DecoderNames.oProj(layer), new Shape(h, queryDim()));
            if (oBias) {
                shapes.put(DecoderNames.bias(DecoderNames.oProj(layer)), new Shape(h));
            }
            if (qkNorm) {
                shapes.put(DecoderNames.qNorm(layer), new Shape(headDim));
                shapes.put(DecoderNames.kNorm(layer), new Shape(headDim));
            }
            shapes.put(DecoderNames.gateProj(layer), new Shape(intermediateSize, h));
            shapes.put(DecoderNames.upProj(layer), new Shape(intermediateSize, h));
            shapes.put(DecoderNames.downProj(layer), new Shape(h, intermediateSize));
            shapes.put(DecoderNames.inputLayerNorm(layer), new Shape(h));
            shapes.put(DecoderNames.postAttentionLayerNorm(layer), new Shape(h));
            if (gemma) {
                shapes.put(DecoderNames.preFeedforwardLayerNorm(layer), new Shape(h));
                shapes.put(DecoderNames.postFeedforwardLayerNorm(layer), new Shape(h));
            }
        }
        shapes.put(DecoderNames.FINAL_NORM, new Shape(h));
        if (!tieWordEmbeddings) {
            shapes.put(DecoderNames.LM_HEAD, new Shape(vocabSize, h));
        }
        return Collections.unmodifiableMap(shapes);
    }

    /**
     * The total number of scalar parameters.
     *
     * @return the sum of the sizes of {@link #parameterShapes()}
     */
    public long parameterCount() {
        return parameterShapes().values().stream().mapToLong(Shape::size).sum();
    }

    /**
     * A builder with Hugging Face's {@code DecoderConfig} defaults for the optional fields and no defaults for the
     * sizes ({@code hidden_size}, {@code intermediate_size}, {@code num_hidden_layers}, {@code num_attention_heads},
     * {@code vocab_size} must be set).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder initialised with this configuration's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.hiddenSize = hiddenSize;
        b.intermediateSize = intermediateSize;
        b.numHiddenLayers = numHiddenLayers;
        b.numAttentionHeads = numAttentionHeads;
        b.numKeyValueHeads = numKeyValueHeads;
        b.headDim = headDim;
        b.rmsNormEps = rmsNormEps;
        b.ropeTheta = ropeTheta;
        b.vocabSize = vocabSize;
        b.maxPositionEmbeddings = maxPositionEmbeddings;
        b.tieWordEmbeddings = tieWordEmbeddings;
        b.initializerRange = initializerRange;
        b.bosTokenId = bosTokenId;
        b.eosTokenIds = new ArrayList<>(eosTokenIds);
        b.padTokenId = padTokenId;
        b.hiddenAct = hiddenAct;
        b.architectures = new ArrayList<>(architectures);
        b.modelType = modelType;
        b.ropeScaling = ropeScaling;
        b.attentionBias = attentionBias;
        b.slidingWindow = slidingWindow;
        b.slidingWindowSet = true;
        b.useSlidingWindow = useSlidingWindow;
        b.maxWindowLayers = maxWindowLayers;
        ModelFamily family = family();
        if (hasLayerTypes(family)
                && !layerTypes.equals(resolveLayerTypes(family, numHiddenLayers, slidingWindow, useSlidingWindow,
                        maxWindowLayers, null))) {
            b.layerTypes = new ArrayList<>(layerTypes); // explicit, not the default pattern
        }
        b.queryPreAttnScalar = queryPreAttnScalar;
        b.attnLogitSoftcapping = attnLogitSoftcapping;
        b.attnLogitSoftcappingSet = true;
        b.finalLogitSoftcapping = finalLogitSoftcapping;
        b.finalLogitSoftcappingSet = true;
        b.extraFields = new LinkedHashMap<>(extraFields);
        return b;
    }

    private static List<String> resolveLayerTypes(ModelFamily family, int layers, Integer window, boolean use,
            Integer maxWindowLayers, List<String> given) {
        List<String> derived = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            boolean sliding = switch (family.slidingWindow()) {
                case NONE -> false;
                case ALL_LAYERS -> window != null;
                case LAYER_TYPES -> use && window != null && i >= maxWindowLayers;
                case EVEN_LAYERS -> window != null && i % 2 == 0;
            };
            derived.add(sliding ? SLIDING_ATTENTION : FULL_ATTENTION);
        }
        if (given == null || given.isEmpty()) {
            return List.copyOf(derived);
        }
        if (!hasLayerTypes(family)) {
            if (!given.equals(derived)) {
                throw new IllegalArgumentException("layer_types is not a field of model_type \""
                        + family.modelType() + "\"; expected " + derived + " or none, got " + given);
            }
            return List.copyOf(derived);
        }
        if (given.size() != layers) {
            throw new IllegalArgumentException("layer_types must have one entry per layer (num_hidden_layers = "
                    + layers + "), got " + given.size());
        }
        for (int i = 0; i < layers; i++) {
            String t = given.get(i);
            if (!FULL_ATTENTION.equals(t) && !SLIDING_ATTENTION.equals(t)) {
                throw new IllegalArgumentException("layer_types[" + i + "] must be \"" + FULL_ATTENTION + "\" or \""
                        + SLIDING_ATTENTION + "\", got " + (t == null ? "null" : "\"" + t + "\""));
            }
            if (SLIDING_ATTENTION.equals(t) && (!use || window == null)) {
                throw new IllegalArgumentException("layer_types[" + i + "] is \"" + SLIDING_ATTENTION
                        + "\" but the sliding window is off (use_sliding_window = " + use + ", sliding_window = "
                        + window + ")");
            }
        }
        return List.copyOf(given);
    }

    /**
     * The family of this configuration.
     *
     * @return the family selected by {@link #modelType()}
     */
    public ModelFamily family() {
        return ModelFamilies.resolve(modelType, architectures);
    }

    /**
     * The attention window of one layer.
     *
     * @param layer the layer index
     * @return W when the layer uses sliding-window attention (a query sees the W most recent keys, itself
     *     included), or {@code null} for full causal attention
     */
    public Integer slidingWindow(int layer) {
        return SLIDING_ATTENTION.equals(layerTypes.get(layer)) ? slidingWindow : null;
    }

    /**
     * Whether the query, key and value projections carry biases.
     *
     * @return true for Qwen2, and for LLaMA / Qwen3 with {@code attention_bias}
     */
    public boolean qkvBias() {
        return family().inputBias(attentionBias);
    }

    /**
     * Whether the attention output projection carries a bias.
     *
     * @return true for LLaMA / Qwen3 with {@code attention_bias}
     */
    public boolean outputBias() {
        return family().outputBias(attentionBias);
    }

    private static boolean hasLayerTypes(ModelFamily family) {
        return family.slidingWindow() == ModelFamily.SlidingWindowRule.LAYER_TYPES
                || family.slidingWindow() == ModelFamily.SlidingWindowRule.EVEN_LAYERS;
    }

    private static void requireGemmaScalars(ModelFamily family, Double scalar, Double attnCap, Double finalCap) {
        if (!family.gemmaBlocks()) {
            if (scalar != null || attnCap != null || finalCap != null) {
                throw new IllegalArgumentException("query_pre_attn_scalar, attn_logit_softcapping and"
                        + " final_logit_softcapping are not fields of model_type \"" + family.modelType()
                        + "\"; got " + scalar + ", " + attnCap + ", " + finalCap);
            }
            return;
        }
        if (scalar == null || !(scalar > 0) || Double.isInfinite(scalar)) {
            throw new IllegalArgumentException("query_pre_attn_scalar must be positive and finite, got " + scalar);
        }
        requireCap("attn_logit_softcapping", attnCap);
        requireCap("final_logit_softcapping", finalCap);
    }

    private static void requireCap(String field, Double cap) {
        if (cap != null && (!(cap > 0) || Double.isInfinite(cap))) {
            throw new IllegalArgumentException(field + " must be positive and finite or null, got " + cap);
        }
    }

    private static void requirePositive(int value, String field) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    private static void requireTokenId(Integer id, String field, int vocabSize) {
        if (id != null && (id < 0 || id >= vocabSize)) {
            throw new IllegalArgumentException(
                    field + " must be in [0, vocab_size = " + vocabSize + "), got " + id);
        }
    }

    /**
     * Builds a {@link DecoderConfig}. Unset {@code num_key_value_heads} means {@code num_attention_heads}; unset
     * {@code head_dim} means {@code hidden_size / num_attention_heads}, which must then divide exactly.
     */
    public static final class Builder {
        private static final int DEFAULT_MAX_WINDOW_LAYERS = 28;
        private Integer hiddenSize;
        private Integer intermediateSize;
        private Integer numHiddenLayers;
        private Integer numAttentionHeads;
        private Integer numKeyValueHeads;
        private Integer headDim;
        private double rmsNormEps = 1e-6;
        private double ropeTheta = 10000.0;
        private Integer vocabSize;
        private Integer maxPositionEmbeddings;
        private Boolean tieWordEmbeddings;
        private double initializerRange = 0.02;
        private Integer bosTokenId;
        private List<Integer> eosTokenIds = new ArrayList<>();
        private Integer padTokenId;
        private String hiddenAct;
        private List<String> architectures;
        private String modelType;
        private RopeScaling ropeScaling = RopeScaling.NONE;
        private boolean attentionBias;
        private Integer slidingWindow;
        private boolean slidingWindowSet;
        private boolean useSlidingWindow;
        private Integer maxWindowLayers;
        private List<String> layerTypes;
        private Double queryPreAttnScalar;
        private Double attnLogitSoftcapping;
        private boolean attnLogitSoftcappingSet;
        private Double finalLogitSoftcapping;
        private boolean finalLogitSoftcappingSet;
        private Map<String, JsonNode> extraFields = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Sets {@code hidden_size}.
         *
         * @param value H
         * @return this builder
         */
        public Builder hiddenSize(int value) {
            hiddenSize = value;
            return this;
        }

        /**
         * Sets {@code intermediate_size}.
         *
         * @param value I
         * @return this builder
         */
        public Builder intermediateSize(int value) {
            intermediateSize = value;
            return this;
        }

        /**
         * Sets {@code num_hidden_layers}.
         *
         * @param value L
         * @return this builder
         */
        public Builder numHiddenLayers(int value) {
            numHiddenLayers = value;
            return this;
        }

        /**
         * Sets {@code num_attention_heads}.
         *
         * @param value n_h
         * @return this builder
         */
        public Builder numAttentionHeads(int value) {
            numAttentionHeads = value;
            return this;
        }

        /**
         * Sets {@code num_key_value_heads}; {@code null} means {@code num_attention_heads}.
         *
         * @param value n_kv
         * @return this builder
         */
        public Builder numKeyValueHeads(Integer value) {
            numKeyValueHeads = value;
            return this;
        }

        /**
         * Sets {@code head_dim}; {@code null} means {@code hidden_size / num_attention_heads}.
         *
         * @param value d
         * @return this builder
         */
        public Builder headDim(Integer value) {
            headDim = value;
            return this;
        }

        /**
         * Sets {@code rms_norm_eps} (default 1e-6).
         *
         * @param value epsilon
         * @return this builder
         */
        public Builder rmsNormEps(double value) {
            rmsNormEps = value;
            return this;
        }

        /**
         * Sets {@code rope_theta} (default 10000).
         *
         * @param value theta
         * @return this builder
         */
        public Builder ropeTheta(double value) {
            ropeTheta = value;
            return this;
        }

        /**
         * Sets {@code vocab_size}.
         *
         * @param value V
         * @return this builder
         */
        public Builder vocabSize(int value) {
            vocabSize = value;
            return this;
        }

        /**
         * Sets {@code max_position_embeddings} (default: the family's, 2048 for LLaMA).
         *
         * @param value the maximum position
         * @return this builder
         */
        public Builder maxPositionEmbeddings(Integer value) {
            maxPositionEmbeddings = value;
            return this;
        }

        /**
         * Sets {@code tie_word_embeddings} (default: the family's, false except for Gemma 2).
         *
         * @param value whether the output head reuses the embedding matrix
         * @return this builder
         */
        public Builder tieWordEmbeddings(boolean value) {
            tieWordEmbeddings = value;
            return this;
        }

        /**
         * Sets {@code initializer_range} (default 0.02).
         *
         * @param value standard deviation of random weights
         * @return this builder
         */
        public Builder initializerRange(double value) {
            initializerRange = value;
            return this;
        }

        /**
         * Sets {@code bos_token_id} (default none).
         *
         * @param value the id, or {@code null}
         * @return this builder
         */
        public Builder bosTokenId(Integer value) {
            bosTokenId = value;
            return this;
        }

        /**
         * Sets {@code eos_token_id} (default none).
         *
         * @param values the ids
         * @return this builder
         */
        public Builder eosTokenIds(List<Integer> values) {
            eosTokenIds = new ArrayList<>(values);
            return this;
        }

        /**
         * Sets {@code pad_token_id} (default none).
         *
         * @param value the id, or {@code null}
         * @return this builder
         */
        public Builder padTokenId(Integer value) {
            padTokenId = value;
            return this;
        }

        /**
         * Sets the MLP activation ({@code hidden_act}, or {@code hidden_activation} for Gemma 2; default and only
         * accepted value: the family's, {@code "silu"} or {@code "gelu_pytorch_tanh"}).
         *
         * @param value the activation name
         * @return this builder
         */
        public Builder hiddenAct(String value) {
            hiddenAct = value;
            return this;
        }

        /**
         * Sets {@code architectures} (default: the family's architecture).
         *
         * @param values the architecture names
         * @return this builder
         */
        public Builder architectures(List<String> values) {
            architectures = values == null ? null : new ArrayList<>(values);
            return this;
        }

        /**
         * Sets {@code model_type} (default {@code "llama"}, or the family that {@code architectures} names);
         * see {@link ModelFamilies}.
         *
         * @param value the model type
         * @return this builder
         */
        public Builder modelType(String value) {
            modelType = value;
            return this;
        }

        /**
         * Sets the rotary scaling (default {@link RopeScaling#NONE}).
         *
         * @param value the scaling
         * @return this builder
         */
        public Builder ropeScaling(RopeScaling value) {
            ropeScaling = value;
            return this;
        }

        /**
         * Sets {@code attention_bias} (default false; LLaMA and Qwen3 only).
         *
         * @param value whether all four attention projections carry biases
         * @return this builder
         */
        public Builder attentionBias(boolean value) {
            attentionBias = value;
            return this;
        }

        /**
         * Sets {@code sliding_window} (Mistral and Qwen only; unset means the family default 4096, {@code null}
         * means no window).
         *
         * @param value W, or {@code null}
         * @return this builder
         */
        public Builder slidingWindow(Integer value) {
            slidingWindow = value;
            slidingWindowSet = true;
            return this;
        }

        /**
         * Sets {@code use_sliding_window} (Qwen only, default false).
         *
         * @param value whether the window is used
         * @return this builder
         */
        public Builder useSlidingWindow(boolean value) {
            useSlidingWindow = value;
            return this;
        }

        /**
         * Sets {@code max_window_layers} (Qwen only, default 28).
         *
         * @param value the first layer with a window, when {@code layer_types} is not set
         * @return this builder
         */
        public Builder maxWindowLayers(Integer value) {
            maxWindowLayers = value;
            return this;
        }

        /**
         * Sets {@code layer_types} (Qwen only; {@code null} for the default pattern).
         *
         * @param values {@code "full_attention"} or {@code "sliding_attention"} per layer
         * @return this builder
         */
        public Builder layerTypes(List<String> values) {
            layerTypes = values == null ? null : new ArrayList<>(values);
            return this;
        }

        /**
         * Sets {@code query_pre_attn_scalar} (Gemma 2 only, default 256).
         *
         * @param value the scalar whose inverse square root scales attention scores
         * @return this builder
         */
        public Builder queryPreAttnScalar(Double value) {
            queryPreAttnScalar = value;
            return this;
        }

        /**
         * Sets {@code attn_logit_softcapping} (Gemma 2 only, default 50; {@code null}: none).
         *
         * @param value the cap c of {@code c * tanh(s / c)} on attention scores
         * @return this builder
         */
        public Builder attnLogitSoftcapping(Double value) {
            attnLogitSoftcapping = value;
            attnLogitSoftcappingSet = true;
            return this;
        }

        /**
         * Sets {@code final_logit_softcapping} (Gemma 2 only, default 30; {@code null}: none).
         *
         * @param value the cap c of {@code c * tanh(z / c)} on the logits
         * @return this builder
         */
        public Builder finalLogitSoftcapping(Double value) {
            finalLogitSoftcapping = value;
            finalLogitSoftcappingSet = true;
            return this;
        }

        /**
         * Sets the fields of {@code config.json} that are kept verbatim.
         *
         * @param values field name to JSON value
         * @return this builder
         */
        public Builder extraFields(Map<String, JsonNode> values) {
            extraFields = new LinkedHashMap<>(values);
            return this;
        }

        /**
         * Builds and validates the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException if a required size is unset or a value is invalid
         */
        public DecoderConfig build() {
            ModelFamily family = ModelFamilies.resolve(modelType, architectures);
            int h = required(hiddenSize, "hidden_size");
            int heads = required(numAttentionHeads, "num_attention_heads");
            int d;
            if (headDim != null) {
                d = headDim;
            } else if (family.defaultHeadDim() != null) {
                d = family.defaultHeadDim();
            } else {
                if (heads > 0 && h % heads != 0) {
                    throw new IllegalArgumentException("hidden_size (" + h
                            + ") must be divisible by num_attention_heads (" + heads
                            + ") when head_dim is not set");
                }
                d = heads > 0 ? h / heads : 0;
            }
            return new DecoderConfig(h, required(intermediateSize, "intermediate_size"),
                    required(numHiddenLayers, "num_hidden_layers"), heads,
                    numKeyValueHeads == null ? heads : numKeyValueHeads, d, rmsNormEps, ropeTheta,
                    required(vocabSize, "vocab_size"),
                    maxPositionEmbeddings == null ? family.defaultMaxPositionEmbeddings() : maxPositionEmbeddings,
                    tieWordEmbeddings == null ? family.tieWordEmbeddingsDefault() : tieWordEmbeddings,
                    initializerRange, bosTokenId, eosTokenIds, padTokenId,
                    hiddenAct == null ? family.activation() : hiddenAct, architectures, modelType, ropeScaling,
                    attentionBias,
                    slidingWindowSet ? slidingWindow : family.defaultSlidingWindow(), useSlidingWindow,
                    family.slidingWindow() == ModelFamily.SlidingWindowRule.LAYER_TYPES && maxWindowLayers == null
                            ? Integer.valueOf(DEFAULT_MAX_WINDOW_LAYERS) : maxWindowLayers,
                    layerTypes,
                    family.gemmaBlocks() && queryPreAttnScalar == null ? Double.valueOf(256) : queryPreAttnScalar,
                    family.gemmaBlocks() && !attnLogitSoftcappingSet ? Double.valueOf(50) : attnLogitSoftcapping,
                    family.gemmaBlocks() && !finalLogitSoftcappingSet ? Double.valueOf(30) : finalLogitSoftcapping,
                    extraFields);
        }

        private static int required(Integer value, String field) {
            if (value == null) {
                throw new IllegalArgumentException(field + " must be set");
            }
            return value;
        }
    }
}
