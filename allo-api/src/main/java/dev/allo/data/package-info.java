/**
 * Preference data, from text to batches: {@link dev.allo.data.PreferenceExample} (prompt, chosen, rejected and an
 * optional reference solution) read from JSONL by a {@link dev.allo.data.PreferenceReader}, the prompt templates of
 * the ALLO paper's Table 6 ({@link dev.allo.data.PromptTemplate}), tokenised pairs with per-token weights
 * ({@link dev.allo.data.TokenizedPair}, the forgetting stage's {@code r_j} of Eq. 5), the truncation rules
 * ({@link dev.allo.data.TruncationPolicy}), and padded batches ({@link dev.allo.data.BatchConfig},
 * {@link dev.allo.data.PreferenceBatch}). Malformed input raises {@link dev.allo.data.MalformedDataException} naming
 * the file, line and field.
 */
package dev.allo.data;
