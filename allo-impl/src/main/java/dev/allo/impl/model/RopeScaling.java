package dev.allo.impl.model;

import java.util.Locale;

/**
 * How rotary frequencies are scaled: the {@code rope_scaling} (or {@code rope_parameters}) object of a Hugging Face
 * {@code config.json}, with the semantics of {@code transformers}' {@code modeling_rope_utils.py}.
 *
 * <p>With head width {@code d}, base {@code theta} and {@code inv_freq_i = 1 / theta^(2i/d)}, {@code i < d/2}
 * (the default):
 *
 * <ul>
 *   <li>{@link Type#LINEAR} ({@code factor = s}): {@code inv_freq_i / s} (position interpolation).
 *   <li>{@link Type#DYNAMIC} ({@code factor = s}, {@code L0 = max_position_embeddings}): for a forward pass whose
 *       largest position is {@code p_max}, {@code n = max(p_max + 1, L0)} and the base becomes
 *       {@code theta' = theta * (s * n / L0 - (s - 1))^(d / (d - 2))}; at {@code n = L0} this is plain RoPE. The
 *       frequencies depend on the pass, not only on the configuration (dynamic NTK scaling).
 *   <li>{@link Type#LLAMA3} ({@code factor = s}, {@code low_freq_factor = a}, {@code high_freq_factor = b},
 *       {@code original_max_position_embeddings = L}): with wavelength {@code w_i = 2 pi / inv_freq_i}, frequencies
 *       with {@code w_i < L / b} stay, those with {@code w_i > L / a} become {@code inv_freq_i / s}, and in between
 *       {@code (1 - g) inv_freq_i / s + g inv_freq_i} with {@code g = (L / w_i - a) / (b - a)}.
 * </ul>
 *
 * <p>None of these types scales the attention ({@code attention_factor} is 1).
 *
 * @param type the rope type
 * @param factor {@code factor}, at least 1 (1 for {@link Type#DEFAULT})
 * @param lowFreqFactor {@code low_freq_factor} ({@link Type#LLAMA3} only, else 0)
 * @param highFreqFactor {@code high_freq_factor} ({@link Type#LLAMA3} only, else 0)
 * @param originalMaxPositionEmbeddings {@code original_max_position_embeddings} ({@link Type#LLAMA3}; for
 *     {@link Type#DYNAMIC} recorded when present but unused, as in {@code transformers}), else {@code null}
 */
public record RopeScaling(
        Type type, double factor, double lowFreqFactor, double highFreqFactor, Integer originalMaxPositionEmbeddings) {

    /** Plain RoPE. */
    public static final RopeScaling NONE = new RopeScaling(Type.DEFAULT, 1.0, 0, 0, null);

    /** The supported {@code rope_type} values. */
    public enum Type {
        /** {@code "default"}: no scaling. */
        DEFAULT,
        /** {@code "linear"}: position interpolation. */
        LINEAR,
        /** {@code "dynamic"}: dynamic NTK scaling, recomputed from each pass's longest position. */
        DYNAMIC,
        /** {@code "llama3"}: Llama 3.1 / 3.2 frequency-band scaling. */
        LLAMA3;

        /**
         * The {@code rope_type} string.
         *
         * @return for example {@code "llama3"}
         */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The type of a {@code rope_type} string.
         *
         * @param name the string
         * @return the type, or {@code null} if unsupported
         */
        public static Type of(String name) {
            for (Type t : values()) {
                if (t.jsonName().equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** Validates the parameters of the type; messages use the {@code config.json} names. */
    public RopeScaling {
        if (type == null) {
            throw new IllegalArgumentException("rope_scaling.rope_type must be set");
        }
        if (type != Type.DEFAULT && (!(factor >= 1) || Double.isInfinite(factor))) {
            throw new IllegalArgumentException(
                    "rope_scaling.factor must be a finite number >= 1 for rope_type \"" + type.jsonName()
                            + "\", got " + factor);
        }
        if (type == Type.LLAMA3) {
            if (!(lowFreqFactor > 0) || Double.isInfinite(lowFreqFactor)) {
                throw new IllegalArgumentException(
                        "rope_scaling.low_freq_factor must be positive and finite, got " + lowFreqFactor);
            }
            if (!(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("rope_scaling.high_freq_factor must be finite and greater than"
                        + " low_freq_factor (" + lowFreqFactor + "), got " + highFreqFactor);
            }
            if (originalMaxPositionEmbeddings == null || originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException(
                        "rope_scaling.original_max_position_embeddings must be a positive integer for rope_type"
                                + " \"llama3\", got " + originalMaxPositionEmbeddings);
            }
        }
        if (type == Type.DEFAULT) {
            factor = 1.0;
        }
    }

    /**
     * Whether the frequencies depend on the forward pass (only {@link Type#DYNAMIC}).
     *
     * @return true for dynamic NTK scaling
     */
    public boolean dependsOnLength() {
        return type == Type.DYNAMIC;
    }

    /**
     * The inverse frequencies, in float32 as {@code transformers} computes them.
     *
     * @param headDim d, even
     * @param theta {@code rope_theta}
     * @param maxPositionEmbeddings {@code max_position_embeddings} (used by {@link Type#DYNAMIC})
     * @param length {@code p_max + 1} of the pass (used by {@link Type#DYNAMIC}; ignored otherwise)
     * @return {@code d/2} inverse frequencies
     */
    float[] inverseFrequencies(int headDim, double theta, int maxPositionEmbeddings, long length) {
        double base = theta;
        if (type == Type.DYNAMIC) {
            double n = Math.max(length, maxPositionEmbeddings);
            base = theta * Math.pow(factor * n / maxPositionEmbeddings - (factor - 1),
                    (double) headDim / (headDim - 2));
        }
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            // float32 step by step, as 1.0 / (base ** (arange(0, d, 2).float() / d))
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1.0f / (float) Math.pow((float) base, exponent);
        }
        switch (type) {
            case LINEAR -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
            }
            case LLAMA3 -> {
                double old = originalMaxPositionEmbeddings;
                double lowWavelength = old / lowFreqFactor;
                double highWavelength = old / highFreqFactor;
                for (int i = 0; i < inv.length; i++) {
                    double wavelength = 2 * Math.PI / inv[i];
                    if (wavelength > lowWavelength) {
                        inv[i] = (float) (inv[i] / factor);
                    } else if (wavelength >= highWavelength) {
                        double g = (old / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                        inv[i] = (float) ((1 - g) * inv[i] / factor + g * inv[i]);
                    }
                }
            }
            default -> {
                // DEFAULT and DYNAMIC: the base already holds the scaling.
            }
        }
        return inv;
    }
}
