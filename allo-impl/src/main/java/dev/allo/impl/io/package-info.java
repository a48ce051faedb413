/**
 * Checkpoint input and output: safetensors files and Hugging Face checkpoint directories.
 *
 * <ul>
 *   <li>{@link dev.allo.impl.io.SafetensorsFile}: a validated, memory-mapped safetensors file; reads tensors as
 *       private {@code NDArray} copies (BF16 and F16 widened to float32 in Java).
 *   <li>{@link dev.allo.impl.io.SafetensorsWriter}: writes named arrays as F32, F16, BF16 or F64 (and integer types
 *       as they are), in the format's own layout, atomically.
 *   <li>{@link dev.allo.impl.io.HfCheckpoint} and {@link dev.allo.impl.io.HfCheckpointWriter}: single-file and
 *       sharded ({@code model.safetensors.index.json}) checkpoint directories as {@code transformers} reads and
 *       writes them. Pickle ({@code .bin}) checkpoints are refused.
 *   <li>{@link dev.allo.impl.io.HalfPrecision}: float32 to and from BF16 and F16, round to nearest, ties to even.
 * </ul>
 *
 * <p>Every malformed input fails with a {@link dev.allo.AlloException} naming the file, the tensor, and what was
 * expected and found. See {@code docs/checkpoints.md}.
 */
package dev.allo.impl.io;
