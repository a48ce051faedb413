package dev.allo.pipeline;

/**
 * How an alignment run holds the weights that none of its stages updates: the weights outside every stage's mask,
 * and the unselected scalars of the weights a mask selects in part. The selected scalars always keep float32 master
 * values (the optimiser updates them in float32); the other scalars can be held in 16 bits and widened to float32
 * one layer at a time where they are used:
 *
 * <pre>
 * bytes per parameter = 2 + 8 K / N      (16-bit holding: 2 per scalar, a float32 master and an int32 index per
 *                                         selected scalar of a partly selected weight)
 *                     = 4                (float32)
 * </pre>
 *
 * and, since only the masters are parameters, the gradients cost 4 bytes per selected scalar instead of 4 per
 * parameter. Widening is exact, so for a model whose weights are BF16 values (read from a BF16 checkpoint) BF16
 * holding loses nothing: the run computes exactly what it computes in float32. For float32 weights 16-bit holding
 * rounds the never-updated scalars once (to nearest, ties to even), which is why it is an explicit choice there.
 * Holding applies to stages that train the model's own weights; LoRA stages keep their own
 * {@link LoraSettings#baseStorage()} for the adapted matrices.
 */
public enum WeightStorage {
    /** BF16 when the model's weights were stored as BF16 (lossless), float32 otherwise: the default. */
    AUTO,
    /** Every weight in float32, as loaded. */
    FLOAT32,
    /** BF16 holding whatever the model's stored type: lossless for BF16 weights, rounded otherwise. */
    BF16,
    /** F16 holding: lossless for F16 weights; rounded otherwise, and refused for values beyond F16's range. */
    F16
}
