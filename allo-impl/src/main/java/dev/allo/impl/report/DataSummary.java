package dev.allo.impl.report;

import dev.allo.data.TokenizedPair;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What a data set became after tokenisation, for the report: examples read, pairs kept, pairs dropped by truncation
 * and why, and token lengths of the kept pairs' prompts and responses.
 *
 * @param name the data set's name ({@code data}, {@code heldOut})
 * @param examples the examples given
 * @param pairs the pairs kept
 * @param dropped the pairs dropped
 * @param dropReasons the drop log's summary, empty when none were dropped
 * @param prompt prompt lengths in tokens
 * @param chosen chosen-response lengths in tokens
 * @param rejected rejected-response lengths in tokens
 */
public record DataSummary(String name, int examples, int pairs, int dropped, String dropReasons, Lengths prompt,
        Lengths chosen, Lengths rejected) {

    /**
     * Minimum, mean and maximum of some lengths.
     *
     * @param min the shortest
     * @param mean the mean
     * @param max the longest
     */
    public record Lengths(int min, double mean, int max) {
        static Lengths of(List<TokenizedPair> pairs, ToIntFunction<TokenizedPair> length) {
            if (pairs.isEmpty()) {
                return new Lengths(0, 0, 0);
            }
            int min = Integer.MAX_VALUE;
            int max = 0;
            long sum = 0;
            for (TokenizedPair p : pairs) {
                int n = length.applyAsInt(p);
                min = Math.min(min, n);
                max = Math.max(max, n);
                sum += n;
            }
            return new Lengths(min, (double) sum / pairs.size(), max);
        }
    }

    /**
     * Summarises encoded pairs.
     *
     * @param name the data set's name
     * @param examples the examples given
     * @param pairs the pairs kept
     * @param dropped the pairs dropped
     * @param dropReasons the drop log's summary
     * @return the summary
     */
    public static DataSummary of(String name, int examples, List<TokenizedPair> pairs, int dropped,
            String dropReasons) {
        return new DataSummary(name, examples, pairs.size(), dropped, dropped == 0 ? "" : dropReasons,
                Lengths.of(pairs, p -> p.promptIds().length), Lengths.of(pairs, p -> p.chosenIds().length),
                Lengths.of(pairs, p -> p.rejectedIds().length));
    }
}
