package dev.allo.impl.lora;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * LoRA hyper-parameters (Hu et al. 2021, as in PEFT's {@code LoraConfig}): each targeted weight matrix
 * {@code W0 (out, in)} gets {@code A (r, in)} and {@code B (out, r)} and is used as
 * {@code W_eff = W0 + (alpha / r) * B A}.
 *
 * @param rank {@code r >= 1}
 * @param alpha {@code lora_alpha > 0}; the update is scaled by {@code alpha / r}
 * @param dropout {@code lora_dropout} in {@code [0, 1)}; see {@link LoraModel} for where it applies
 * @param targetModules module names ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj},
 *     {@code gate_proj}, {@code up_proj}, {@code down_proj}), or the single entry {@value #ALL_LINEAR} for every
 *     linear layer of the decoder (PEFT's meaning: {@code lm_head} excluded)
 * @param baseModelNameOrPath recorded in {@code adapter_config.json} ({@code base_model_name_or_path}); may be empty
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targetModules,
        String baseModelNameOrPath) {

    /** PEFT's shorthand for every linear layer except the output head. */
    public static final String ALL_LINEAR = "all-linear";

    /** The module names of a LLaMA decoder layer's linear layers, in parameter order. */
    public static final List<String> LINEAR_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /**
     * Checks every field.
     *
     * @throws IllegalArgumentException naming the field, expected and actual value
     */
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("r must be >= 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora_alpha must be finite and > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        Objects.requireNonNull(targetModules, "targetModules");
        targetModules = List.copyOf(targetModules);
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("target_modules must name at least one module, got []");
        }
        if (!targetModules.equals(List.of(ALL_LINEAR))) {
            for (String m : targetModules) {
                if (!LINEAR_MODULES.contains(m)) {
                    throw new IllegalArgumentException("target_modules entry '" + m + "' is not a linear module of"
                            + " a LLaMA layer; expected one of " + LINEAR_MODULES + " or ['" + ALL_LINEAR + "']");
                }
            }
            if (Set.copyOf(targetModules).size() != targetModules.size()) {
                throw new IllegalArgumentException("target_modules has duplicates: " + targetModules);
            }
        }
        baseModelNameOrPath = baseModelNameOrPath == null ? "" : baseModelNameOrPath;
    }

    /**
     * A config with no dropout and an empty base model name.
     *
     * @param rank {@code r}
     * @param alpha {@code lora_alpha}
     * @param targetModules module names, or {@code List.of(ALL_LINEAR)}
     * @return the config
     */
    public static LoraConfig of(int rank, double alpha, List<String> targetModules) {
        return new LoraConfig(rank, alpha, 0.0, targetModules, "");
    }

    /**
     * This config with another dropout probability.
     *
     * @param value {@code lora_dropout}
     * @return the new config
     */
    public LoraConfig withDropout(double value) {
        return new LoraConfig(rank, alpha, value, targetModules, baseModelNameOrPath);
    }

    /**
     * This config with another base model name.
     *
     * @param value {@code base_model_name_or_path}
     * @return the new config
     */
    public LoraConfig withBaseModelNameOrPath(String value) {
        return new LoraConfig(rank, alpha, dropout, targetModules, value);
    }

    /**
     * The factor on {@code B A}: {@code alpha / r} (PEFT's {@code scaling}, without rsLoRA).
     *
     * @return {@code alpha / r}
     */
    public double scaling() {
        return alpha / rank;
    }

    /**
     * Whether a module name is targeted.
     *
     * @param module a module name such as {@code q_proj}
     * @return true if this config adapts it
     */
    public boolean targets(String module) {
        return LINEAR_MODULES.contains(module)
                && (targetModules.equals(List.of(ALL_LINEAR)) || targetModules.contains(module));
    }
}
