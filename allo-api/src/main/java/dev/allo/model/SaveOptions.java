package dev.allo.model;

/**
 * How a model is written as a Hugging Face checkpoint directory: the floating-point type of the stored weights and
 * the shard size above which {@code model.safetensors} is split into {@code model-0000i-of-0000K.safetensors} with a
 * {@code model.safetensors.index.json}, as {@code save_pretrained(max_shard_size=...)} does.
 *
 * <p>Weights are held in float32 while training; {@link WeightDtype#BF16} narrows each value with
 * round-to-nearest-even, {@link WeightDtype#F32} stores them exactly. {@link #defaults()} stores a model in the type it
 * was loaded from: BF16 when its checkpoint's weights were all BF16, otherwise F32.
 *
 * @param dtype the stored floating-point type
 * @param maxShardBytes the largest tensor data per safetensors file, positive
 */
public record SaveOptions(WeightDtype dtype, long maxShardBytes) {

    /** {@code save_pretrained}'s default shard size, 5 GB. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    /** The floating-point type of the stored weights. */
    public enum WeightDtype {
        /** BF16 when every floating-point weight of the checkpoint the model was loaded from was BF16, else F32. */
        AS_LOADED,
        /** IEEE 754 single precision: the weights exactly as trained. */
        F32,
        /** bfloat16 (1 sign, 8 exponent, 7 fraction bits), rounded to nearest even: half the size. */
        BF16
    }

    /**
     * Checks the values.
     *
     * @throws NullPointerException if {@code dtype} is null
     * @throws IllegalArgumentException if {@code maxShardBytes} is not positive
     */
    public SaveOptions {
        java.util.Objects.requireNonNull(dtype, "dtype");
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
    }

    /**
     * The weights in the type they were loaded from, shards of at most 5 GB.
     *
     * @return the defaults
     */
    public static SaveOptions defaults() {
        return new SaveOptions(WeightDtype.AS_LOADED, DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * A copy with another stored type.
     *
     * @param value the stored type
     * @return the new options
     */
    public SaveOptions withDtype(WeightDtype value) {
        return new SaveOptions(value, maxShardBytes);
    }

    /**
     * A copy with another shard size.
     *
     * @param bytes the largest tensor data per safetensors file, positive
     * @return the new options
     */
    public SaveOptions withMaxShardBytes(long bytes) {
        return new SaveOptions(dtype, bytes);
    }
}
