package dev.allo.impl.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The supported decoder families, keyed by {@code model_type} and {@code architectures}. Adding a family is one
 * entry here (and a reference test); everything else reads the {@link ModelFamily} options.
 */
public final class ModelFamilies {
    /** Hugging Face {@code LlamaForCausalLM} (Llama 1-3.x, TinyLlama, SmolLM, ...). */
    public static final ModelFamily LLAMA = new ModelFamily("llama", "LlamaForCausalLM", false, true, false,
            ModelFamily.SlidingWindowRule.NONE, null, null, 2048, false,
            List.of("attention_bias", "mlp_bias", "hidden_act"),
            "hidden_act", "silu", false);
    /** Hugging Face {@code MistralForCausalLM}: sliding-window attention in every layer. */
    public static final ModelFamily MISTRAL = new ModelFamily("mistral", "MistralForCausalLM", false, false, false,
            ModelFamily.SlidingWindowRule.ALL_LAYERS, 4096, null, 4096 * 32, false,
            List.of("sliding_window", "hidden_act"),
            "hidden_act", "silu", false);
    /** Hugging Face {@code Qwen2ForCausalLM} (Qwen2, Qwen2.5): biases on q/k/v, none on o. */
    public static final ModelFamily QWEN2 = new ModelFamily("qwen2", "Qwen2ForCausalLM", true, false, false,
            ModelFamily.SlidingWindowRule.LAYER_TYPES, 4096, null, 32768, false,
            List.of("use_sliding_window", "sliding_window", "max_window_layers", "layer_types", "hidden_act"),
            "hidden_act", "silu", false);
    /** Hugging Face {@code Qwen3ForCausalLM}: per-head RMSNorm of queries and keys, {@code head_dim} 128 by default. */
    public static final ModelFamily QWEN3 = new ModelFamily("qwen3", "Qwen3ForCausalLM", false, true, true,
            ModelFamily.SlidingWindowRule.LAYER_TYPES, 4096, 128, 32768, false,
            List.of("attention_bias", "use_sliding_window", "sliding_window", "max_window_layers", "layer_types",
                    "hidden_act"),
            "hidden_act", "silu", false);
    /**
     * Hugging Face {@code Gemma2ForCausalLM}: GeGLU, {@code (1 + w)} RMSNorms before and after attention and MLP,
     * scaled embeddings, soft-capped attention scores and logits, sliding windows on the even layers, tied
     * embeddings and {@code head_dim} 256 by default.
     */
    public static final ModelFamily GEMMA2 = new ModelFamily("gemma2", "Gemma2ForCausalLM", false, true, false,
            ModelFamily.SlidingWindowRule.EVEN_LAYERS, 4096, 256, 8192, true,
            List.of("attention_bias", "sliding_window", "layer_types", "hidden_activation", "query_pre_attn_scalar",
                    "attn_logit_softcapping", "final_logit_softcapping"),
            "hidden_activation", "gelu_pytorch_tanh", true);

    private static final List<ModelFamily> ALL = List.of(LLAMA, MISTRAL, QWEN2, QWEN3, GEMMA2);

    private ModelFamilies() {}

    /**
     * Every supported family.
     *
     * @return the families, in the order above
     */
    public static List<ModelFamily> all() {
        return ALL;
    }

    /**
     * The family of a {@code config.json}: by {@code model_type}, or, when that is absent, by the single family
     * whose architecture {@code architectures} names; the architectures, when given, must include the family's.
     *
     * @param modelType {@code model_type}, or {@code null}
     * @param architectures {@code architectures}, or {@code null} / empty
     * @return the family ({@link #LLAMA} when both are absent, as {@code DecoderConfig} does)
     * @throws IllegalArgumentException naming the field, the value and the supported families
     */
    public static ModelFamily resolve(String modelType, List<String> architectures) {
        boolean noArchitectures = architectures == null || architectures.isEmpty();
        if (modelType == null) {
            if (noArchitectures) {
                return LLAMA;
            }
            List<ModelFamily> matches = new ArrayList<>();
            for (ModelFamily f : ALL) {
                if (architectures.contains(f.architecture())) {
                    matches.add(f);
                }
            }
            if (matches.size() != 1) {
                throw new IllegalArgumentException("architectures must name exactly one supported architecture when"
                        + " model_type is absent, got " + architectures + "; supported: " + supported());
            }
            return matches.get(0);
        }
        ModelFamily family = null;
        for (ModelFamily f : ALL) {
            if (f.modelType().equals(modelType)) {
                family = f;
            }
        }
        if (family == null) {
            throw new IllegalArgumentException("model_type \"" + modelType + "\" is not supported; supported: "
                    + supported());
        }
        if (!noArchitectures && !architectures.contains(family.architecture())) {
            throw new IllegalArgumentException("architectures must contain \"" + family.architecture()
                    + "\" for model_type \"" + modelType + "\", got " + architectures);
        }
        return family;
    }

    /**
     * The supported families as text for error messages.
     *
     * @return for example {@code llama (LlamaForCausalLM), mistral (MistralForCausalLM), ...}
     */
    public static String supported() {
        List<String> names = new ArrayList<>();
        for (ModelFamily f : ALL) {
            names.add(f.modelType() + " (" + f.architecture() + ")");
        }
        return String.join(", ", names);
    }
}
