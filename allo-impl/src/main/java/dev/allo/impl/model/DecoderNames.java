package dev.allo.impl.model;

/**
 * The Hugging Face parameter names shared by every supported family ({@code LlamaForCausalLM},
 * {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}, {@code Qwen3ForCausalLM}, {@code Gemma2ForCausalLM}), so
 * that a checkpoint written by
 * {@code transformers} loads by name and ours loads in {@code transformers}.
 */
public final class DecoderNames {
    /** The token embedding matrix, {@code (V, H)}. */
    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    /** The weight of the final RMSNorm, {@code (H)}. */
    public static final String FINAL_NORM = "model.norm.weight";
    /** The output head, {@code (V, H)}; absent when the embeddings are tied. */
    public static final String LM_HEAD = "lm_head.weight";

    private DecoderNames() {}

    /**
     * The query projection of a layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.self_attn.q_proj.weight}
     */
    public static String qProj(int layer) {
        return attention(layer, "q_proj");
    }

    /**
     * The key projection of a layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.self_attn.k_proj.weight}
     */
    public static String kProj(int layer) {
        return attention(layer, "k_proj");
    }

    /**
     * The value projection of a layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.self_attn.v_proj.weight}
     */
    public static String vProj(int layer) {
        return attention(layer, "v_proj");
    }

    /**
     * The attention output projection of a layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.self_attn.o_proj.weight}
     */
    public static String oProj(int layer) {
        return attention(layer, "o_proj");
    }

    /**
     * The MLP gate projection of a layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.mlp.gate_proj.weight}
     */
    public static String gateProj(int layer) {
        return mlp(layer, "gate_proj");
    }

    /**
     * The MLP up projection of a layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.mlp.up_proj.weight}
     */
    public static String upProj(int layer) {
        return mlp(layer, "up_proj");
    }

    /**
     * The MLP down projection of a layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.mlp.down_proj.weight}
     */
    public static String downProj(int layer) {
        return mlp(layer, "down_proj");
    }

    /**
     * The RMSNorm weight before attention.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.input_layernorm.weight}
     */
    public static String inputLayerNorm(int layer) {
        return "model.layers." + layer + ".input_layernorm.weight";
    }

    /**
     * The RMSNorm weight before the MLP.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.post_attention_layernorm.weight}
     */
    public static String postAttentionLayerNorm(int layer) {
        return "model.layers." + layer + ".post_attention_layernorm.weight";
    }

    /**
     * The RMSNorm weight before the MLP of a Gemma 2 layer (whose {@code post_attention_layernorm} normalises the
     * attention output instead).
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.pre_feedforward_layernorm.weight}
     */
    public static String preFeedforwardLayerNorm(int layer) {
        return "model.layers." + layer + ".pre_feedforward_layernorm.weight";
    }

    /**
     * The RMSNorm weight after the MLP of a Gemma 2 layer.
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.post_feedforward_layernorm.weight}
     */
    public static String postFeedforwardLayerNorm(int layer) {
        return "model.layers." + layer + ".post_feedforward_layernorm.weight";
    }

    /**
     * The bias beside a projection weight.
     *
     * @param weight a name ending in {@code .weight}, for example {@code model.layers.N.self_attn.q_proj.weight}
     * @return the same name ending in {@code .bias}
     */
    public static String bias(String weight) {
        if (!weight.endsWith(".weight")) {
            throw new IllegalArgumentException("expected a name ending in '.weight', got '" + weight + "'");
        }
        return weight.substring(0, weight.length() - ".weight".length()) + ".bias";
    }

    /**
     * The per-head query RMSNorm weight of a layer (Qwen3).
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.self_attn.q_norm.weight}
     */
    public static String qNorm(int layer) {
        return attention(layer, "q_norm");
    }

    /**
     * The per-head key RMSNorm weight of a layer (Qwen3).
     *
     * @param layer the layer index N
     * @return {@code model.layers.N.self_attn.k_norm.weight}
     */
    public static String kNorm(int layer) {
        return attention(layer, "k_norm");
    }

    private static String attention(int layer, String proj) {
        return "model.layers." + layer + ".self_attn." + proj + ".weight";
    }

    private static String mlp(int layer, String proj) {
        return "model.layers." + layer + ".mlp." + proj + ".weight";
    }
}
