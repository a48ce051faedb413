package dev.allo.impl.model;

import java.util.List;

/**
 * What distinguishes one Hugging Face decoder family from another, as data. All supported families share the
 * pre-norm decoder of {@code LlamaForCausalLM} (RMSNorm, rotary attention with grouped-query heads, SwiGLU MLP) and
 * its tensor names; they differ only in the options below.
 *
 * @param modelType the {@code model_type} of {@code config.json}, for example {@code "qwen2"}
 * @param architecture the {@code architectures} entry of the causal-LM class, for example
 *     {@code "Qwen2ForCausalLM"}
 * @param qkvBias whether the query, key and value projections always carry biases ({@code q_proj.bias} ...)
 * @param attentionBiasField whether {@code config.json} has an {@code attention_bias} flag that, when true, adds biases
 *     to all four attention projections ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj})
 * @param qkNorm whether each query and key head is RMS-normalised ({@code self_attn.q_norm.weight},
 *     {@code self_attn.k_norm.weight}, width d) after projection and before the rotation
 * @param slidingWindow which layers use sliding-window attention
 * @param defaultSlidingWindow {@code sliding_window} when {@code config.json} omits the field, or {@code null}
 * @param defaultHeadDim {@code head_dim} when {@code config.json} omits it, or {@code null} for
 *     {@code hidden_size / num_attention_heads}
 * @param defaultMaxPositionEmbeddings {@code max_position_embeddings} when {@code config.json} omits it
 * @param tieWordEmbeddingsDefault {@code tie_word_embeddings} when {@code config.json} omits it
 * @param familyFields the {@code config.json} fields that only this family models (beyond the common ones)
 * @param activationField the {@code config.json} field naming the MLP activation ({@code hidden_act}, or Gemma 2's
 *     {@code hidden_activation})
 * @param activation the only activation the family's MLP accepts: {@code "silu"} (SwiGLU) or
 *     {@code "gelu_pytorch_tanh"} (GeGLU with the tanh approximation)
 * @param gemmaBlocks Gemma 2's decoder: RMSNorm scales by {@code (1 + w)} (weights start at 0), extra norms after
 *     attention ({@code post_attention_layernorm}) and around the MLP ({@code pre_feedforward_layernorm},
 *     {@code post_feedforward_layernorm}), embeddings multiplied by {@code sqrt(H)}, attention scaled by
 *     {@code query_pre_attn_scalar^-1/2}, and tanh soft-capping of attention scores and final logits
 */
public record ModelFamily(
        String modelType,
        String architecture,
        boolean qkvBias,
        boolean attentionBiasField,
        boolean qkNorm,
        SlidingWindowRule slidingWindow,
        Integer defaultSlidingWindow,
        Integer defaultHeadDim,
        int defaultMaxPositionEmbeddings,
        boolean tieWordEmbeddingsDefault,
        List<String> familyFields,
        String activationField,
        String activation,
        boolean gemmaBlocks) {

    /** Which layers attend through a sliding window, and how {@code config.json} says so. */
    public enum SlidingWindowRule {
        /** Full causal attention in every layer; {@code sliding_window} is not a field of the family. */
        NONE,
        /** Every layer uses {@code sliding_window} (Mistral); {@code null} means full attention. */
        ALL_LAYERS,
        /**
         * Qwen2 / Qwen3: only when {@code use_sliding_window} is true; then the layers marked
         * {@code "sliding_attention"} in {@code layer_types} (by default the layers with index
         * {@code >= max_window_layers}) use {@code sliding_window}.
         */
        LAYER_TYPES,
        /**
         * Gemma 2: the layers marked {@code "sliding_attention"} in {@code layer_types} (by default the even-indexed
         * layers 0, 2, 4, ...) use {@code sliding_window}; the others attend fully.
         */
        EVEN_LAYERS
    }

    /** Copies the field list. */
    public ModelFamily {
        familyFields = List.copyOf(familyFields);
    }

    /**
     * Whether the output projection {@code o_proj} can carry a bias in this family.
     *
     * @param attentionBias the config's {@code attention_bias}
     * @return true when {@code o_proj.bias} is a parameter
     */
    public boolean outputBias(boolean attentionBias) {
        return attentionBiasField && attentionBias;
    }

    /**
     * Whether the query, key and value projections carry biases.
     *
     * @param attentionBias the config's {@code attention_bias}
     * @return true when {@code q_proj.bias}, {@code k_proj.bias} and {@code v_proj.bias} are parameters
     */
    public boolean inputBias(boolean attentionBias) {
        return qkvBias || (attentionBiasField && attentionBias);
    }
}
