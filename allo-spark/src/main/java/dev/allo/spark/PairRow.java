package dev.allo.spark;

import dev.allo.data.PreferenceExample;
import java.io.Serializable;
import java.util.Map;
import java.util.Optional;

/**
 * One preference pair of a scoring, reference or evaluation job, as the pipeline's JSONL holds it.
 *
 * @param index the pair's index: its {@code index} field, or its position among the input's rows (the index the
 *     pipeline gives the pair when it reads the same file)
 * @param prompt the prompt
 * @param chosen the chosen response
 * @param rejected the rejected response
 * @param reference the reference solution, or null
 */
public record PairRow(long index, String prompt, String chosen, String rejected, String reference)
        implements Serializable {

    /**
     * The pair as the library's example.
     *
     * @return the example (no id or metadata: neither changes token ids, scores or fingerprints)
     */
    public PreferenceExample example() {
        return new PreferenceExample(prompt, chosen, rejected, Optional.ofNullable(reference), Optional.empty(),
                Map.of());
    }
}
