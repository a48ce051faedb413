package dev.allo.impl.lora;

/**
 * PEFT's tensor names for LoRA adapters of a {@code LlamaForCausalLM}: the base parameter
 * {@code model.layers.N.self_attn.q_proj.weight} gets {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}
 * and {@code ...q_proj.lora_B.weight} (the names {@code get_peft_model_state_dict} saves, adapter name removed).
 */
public final class LoraNames {
    private static final String PREFIX = "base_model.model.";
    private static final String WEIGHT = ".weight";

    private LoraNames() {}

    /**
     * The name of {@code A} for a base weight.
     *
     * @param baseName {@code model.layers.N.<block>.<module>.weight}
     * @return {@code base_model.model.model.layers.N.<block>.<module>.lora_A.weight}
     */
    public static String loraA(String baseName) {
        return PREFIX + stem(baseName) + ".lora_A.weight";
    }

    /**
     * The name of {@code B} for a base weight.
     *
     * @param baseName {@code model.layers.N.<block>.<module>.weight}
     * @return {@code base_model.model.model.layers.N.<block>.<module>.lora_B.weight}
     */
    public static String loraB(String baseName) {
        return PREFIX + stem(baseName) + ".lora_B.weight";
    }

    /**
     * The module name of a base weight, its last path component before {@code .weight}.
     *
     * @param baseName for example {@code model.layers.3.mlp.up_proj.weight}
     * @return for example {@code up_proj}
     */
    public static String module(String baseName) {
        String stem = stem(baseName);
        return stem.substring(stem.lastIndexOf('.') + 1);
    }

    /**
     * The decoder layer index of a base weight.
     *
     * @param baseName {@code model.layers.N....}
     * @return {@code N}, or -1 for a tensor outside the decoder layers
     */
    public static int layer(String baseName) {
        String p = "model.layers.";
        if (!baseName.startsWith(p)) {
            return -1;
        }
        int end = baseName.indexOf('.', p.length());
        return Integer.parseInt(baseName.substring(p.length(), end));
    }

    private static String stem(String baseName) {
        if (!baseName.endsWith(WEIGHT)) {
            throw new IllegalArgumentException("expected a weight name ending in '.weight', got '" + baseName + "'");
        }
        return baseName.substring(0, baseName.length() - WEIGHT.length());
    }
}
