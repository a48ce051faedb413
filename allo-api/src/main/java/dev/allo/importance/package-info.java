/**
 * Importance of every scalar weight for the alignment data (ALLO Sec. 4.1, "locating key neurons", Eq. 3-4):
 * the {@link dev.allo.importance.ImportanceEstimator} plug-in, the {@link dev.allo.importance.ImportanceContext} it
 * may ask for a warm-up or a gradient pass, and the resulting {@link dev.allo.importance.ImportanceScores} (one
 * float32 tensor per parameter, saved in a checksummed file). The stock estimators (weight delta, accumulated
 * gradient, random, ILA) live in {@code allo-impl}.
 */
package dev.allo.importance;
