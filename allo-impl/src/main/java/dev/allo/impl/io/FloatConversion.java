package dev.allo.impl.io;

/**
 * How floating-point tensors are converted when a checkpoint is read.
 *
 * <p>BF16 is always widened to float32, whatever the choice: the PyTorch engine aborts the JVM on bfloat16 arrays.
 * Widening BF16 and F16 is exact. Narrowing F64 to float32 rounds to nearest, ties to even.
 */
public enum FloatConversion {
    /** Every floating tensor (F16, BF16, F32, F64) is read as float32. The default. */
    TO_FLOAT32,
    /** F16 is read as float16 and F64 as float64; BF16 is still widened to float32. */
    AS_STORED
}
