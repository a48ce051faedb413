package dev.allo.impl.model;

/**
 * The 16-bit formats in which {@link DecoderModel#storeInHalf} holds weights that no optimiser step changes.
 *
 * <pre>
 * format   sign, exponent, fraction bits   exact for float32 values x with
 * BF16     1, 8, 7                         x a BF16 value (every value of a BF16 checkpoint)
 * F16      1, 5, 10                        x an F16 value; a BF16 value only when |x| in [2^-14, 65504] or x = 0
 * </pre>
 *
 * <p>Widening back to float32 is exact in both formats; narrowing a float32 weight rounds to nearest, ties to even.
 * So a weight read from a BF16 checkpoint is held in {@link #BF16} without loss, and one read from an F16
 * checkpoint in {@link #F16} without loss. {@link #F16} for BF16 weights is an explicit, lossy choice: BF16 keeps 7
 * fraction bits, F16 has 10, so normal values in {@code [2^-14, 65504]} are exact, smaller ones lose bits as F16
 * subnormals (below {@code 2^-24} they become zero), and larger ones would overflow, which
 * {@link DecoderModel#storeInHalf} refuses.
 */
public enum HalfFormat {
    /** bfloat16: the upper 16 bits of the float32 pattern; held as byte pairs and widened by an exact lookup. */
    BF16,
    /** IEEE 754 half precision, held as a float16 array and widened by the engine's exact conversion. */
    F16
}
