package dev.allo.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Trains a stage through LoRA adapters (Hu et al. 2021, arXiv 2106.09685, Eq. 3) instead of the model's own
 * weights: every targeted weight matrix {@code W0 (out, in)} of the decoder layers is used as
 *
 * <pre>
 * W = W0 + (alpha / r) B A          A (r, in) ~ U(-1/sqrt(in), 1/sqrt(in)), B (out, r) = 0 at the start
 * </pre>
 *
 * and only {@code A} and {@code B} are trained; the base stays frozen. The stage's reference is the base without
 * the adapters (its exact starting model, since {@code B = 0}). After the stage the adapters are written in PEFT's
 * layout ({@code adapter_config.json}, {@code adapter_model.safetensors}) and merged into the model, which the next
 * stage and the run's result continue from.
 *
 * @param rank {@code r >= 1}
 * @param alpha {@code lora_alpha > 0}
 * @param dropout {@code lora_dropout} in {@code [0, 1)}
 * @param targetModules linear modules of a decoder layer ({@code q_proj}, {@code k_proj}, {@code v_proj},
 *     {@code o_proj}, {@code gate_proj}, {@code up_proj}, {@code down_proj}), or the single entry
 *     {@code all-linear}
 * @param baseStorage how the frozen base is held during the stage: {@link BaseStorage#FLOAT32}, or in 16 bits
 */
public record LoraSettings(int rank, double alpha, double dropout, List<String> targetModules,
        BaseStorage baseStorage) {

    /** PEFT's shorthand for every linear layer of the decoder ({@code lm_head} excluded). */
    public static final String ALL_LINEAR = "all-linear";

    /** The linear modules of a decoder layer. */
    public static final List<String> LINEAR_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** How the frozen base model is held while adapters train. */
    public enum BaseStorage {
        /** As loaded, in float32. */
        FLOAT32,
        /** BF16 (half the memory): exact for a base read from a BF16 checkpoint, rounded otherwise. */
        BF16,
        /**
         * F16 (half the memory): exact for an F16 base; for a BF16 base exact only for values with
         * {@code |x|} in {@code [2^-14, 65504]} (smaller ones lose bits, larger ones are refused).
         */
        F16
    }

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public LoraSettings {
        if (rank < 1) {
            throw new IllegalArgumentException("lora.rank must be >= 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora.alpha must be finite and > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora.dropout must be in [0, 1), got " + dropout);
        }
        Objects.requireNonNull(targetModules, "lora.targetModules");
        targetModules = List.copyOf(targetModules);
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("lora.targetModules must name at least one module, got []");
        }
        if (!targetModules.equals(List.of(ALL_LINEAR))) {
            for (String m : targetModules) {
                if (!LINEAR_MODULES.contains(m)) {
                    throw new IllegalArgumentException("lora.targetModules entry '" + m + "' matches no linear"
                            + " module of a decoder layer; expected some of " + LINEAR_MODULES + " or ['" + ALL_LINEAR + "']");
                }
            }
            if (Set.copyOf(targetModules).size() != targetModules.size()) {
                throw new IllegalArgumentException("lora.targetModules has duplicates: " + targetModules);
            }
        }
        if (baseStorage == null) {
            throw new IllegalArgumentException("lora.baseStorage must be set (FLOAT32, BF16 or F16)");
        }
    }

    /**
     * Settings with no dropout and a float32 base.
     *
     * @param rank {@code r}
     * @param alpha {@code lora_alpha}
     * @param targetModules module names, or {@code List.of(ALL_LINEAR)}
     * @return the settings
     */
    public static LoraSettings of(int rank, double alpha, List<String> targetModules) {
        return new LoraSettings(rank, alpha, 0.0, targetModules, BaseStorage.FLOAT32);
    }

    /**
     * These settings with another dropout.
     *
     * @param value {@code lora_dropout}
     * @return the copy
     */
    public LoraSettings withDropout(double value) {
        return new LoraSettings(rank, alpha, value, targetModules, baseStorage);
    }

    /**
     * These settings with the base held another way.
     *
     * @param value the storage
     * @return the copy
     */
    public LoraSettings withBaseStorage(BaseStorage value) {
        return new LoraSettings(rank, alpha, dropout, targetModules, value);
    }
}
