package dev.allo.spark;

import dev.allo.data.DropLog;
import dev.allo.data.Fingerprint;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.data.ScoreCache;
import dev.allo.impl.scorer.RewriteModelTokenScorer;
import dev.allo.impl.train.ReferenceCache;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.model.CausalLm;
import dev.allo.scorer.RewriteScorerConfig;
import dev.allo.scorer.TokenScorer;
import dev.allo.scorer.TokenScores;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Turns the outputs of {@link ReferenceJob} and {@link ScoreJob} into the single-machine pipeline's cache files, under
 * the fingerprints the pipeline computes (the pairs as it encodes them, the tokenizer, the model's weights, the
 * scorer's settings), in a directory the run reads with {@code AlignmentBuilder.precomputedCaches(directory)}. The
 * run then trains exactly as if it had computed the values itself.
 *
 * <p>Give the same examples, in the same order, as the run's {@code data(...)}, and the run's {@code maxLength} and
 * {@code maxPromptLength}: a pair missing from the job's output, or with another number of tokens, is an error
 * naming the pair.
 */
public final class PipelineCaches {
    private PipelineCaches() {}

    /**
     * Writes the reference log-prob cache file of a stage whose starting model is {@code model}.
     *
     * @param spark the session (to read the job's Parquet output)
     * @param referenceOutput a {@link ReferenceJob} output computed with {@code model}
     * @param examples the run's pairs, in order
     * @param tokenizer the run's tokenizer
     * @param model the stage's starting model (the weights enter the fingerprint)
     * @param maxLength the run's {@code maxLength}
     * @param maxPromptLength the run's {@code maxPromptLength}
     * @param cacheDirectory where the file is written
     * @return the file
     * @throws IllegalArgumentException naming a pair the output lacks or whose length differs
     */
    public static Path writeReference(SparkSession spark, String referenceOutput, List<PreferenceExample> examples,
            Tokenizer tokenizer, CausalLm model, int maxLength, int maxPromptLength, Path cacheDirectory) {
        List<TokenizedPair> pairs = encode(examples, tokenizer, maxLength, maxPromptLength);
        Map<Long, Row> rows = byIndex(spark, referenceOutput, ReferenceJob.NAME, "reference");
        Map<Long, float[]> chosen = new LinkedHashMap<>();
        Map<Long, float[]> rejected = new LinkedHashMap<>();
        for (TokenizedPair p : pairs) {
            Row row = require(rows, p, referenceOutput);
            chosen.put(p.index(), floats(row, "chosen", p.chosenIds().length, p, referenceOutput));
            rejected.put(p.index(), floats(row, "rejected", p.rejectedIds().length, p, referenceOutput));
        }
        String fingerprint = ReferenceCache.fingerprint(model, pairs, tokenizer.identity());
        ReferenceCache cache = new ReferenceCache(cacheDirectory);
        cache.save(ReferenceLogProbs.of(fingerprint, chosen, rejected));
        return cache.file(fingerprint);
    }

    /**
     * Writes the token-score cache file of a stage scored by the rewriting model {@code rewriter}.
     *
     * @param spark the session
     * @param scoreOutput a {@link ScoreJob} output computed with {@code rewriter} and {@code settings}
     * @param examples the run's pairs, in order
     * @param tokenizer the run's tokenizer
     * @param rewriter the rewriting model (its weights enter the fingerprint)
     * @param settings the stage's threshold and the run's rewrite template
     * @param maxLength the run's {@code maxLength}
     * @param maxPromptLength the run's {@code maxPromptLength}
     * @param cacheDirectory where the file is written
     * @return the file
     * @throws IllegalArgumentException naming a pair the output lacks or whose length differs
     */
    public static Path writeScores(SparkSession spark, String scoreOutput, List<PreferenceExample> examples,
            Tokenizer tokenizer, CausalLm rewriter, ScoreJob.Settings settings, int maxLength, int maxPromptLength,
            Path cacheDirectory) {
        List<TokenizedPair> pairs = encode(examples, tokenizer, maxLength, maxPromptLength);
        Map<Long, Row> rows = byIndex(spark, scoreOutput, ScoreJob.NAME, "scores");
        List<TokenScores> scores = new ArrayList<>(pairs.size());
        for (TokenizedPair p : pairs) {
            Row row = require(rows, p, scoreOutput);
            scores.add(TokenScores.ofRejected(floats(row, "rejected", p.rejectedIds().length, p, scoreOutput)));
        }
        TokenScorer fingerprintOnly = new RewriteModelTokenScorer(rewriter, tokenizer,
                new RewriteScorerConfig(settings.threshold(), settings.template(), 1));
        ScoreCache.Result result = new ScoreCache(cacheDirectory).scores(pairs, tokenizer,
                new Precomputed(fingerprintOnly, scores));
        return result.file();
    }

    /** The pipeline's pairs: every example encoded with its position as index, dropped ones left out. */
    static List<TokenizedPair> encode(List<PreferenceExample> examples, Tokenizer tokenizer, int maxLength,
            int maxPromptLength) {
        PairEncoder encoder = new PairEncoder(tokenizer, TruncationPolicy.of(maxLength, maxPromptLength));
        DropLog drops = new DropLog();
        List<TokenizedPair> pairs = new ArrayList<>();
        long index = 0;
        for (PreferenceExample e : examples) {
            encoder.encode(index++, e, drops).ifPresent(pairs::add);
        }
        return pairs;
    }

    private static Map<Long, Row> byIndex(SparkSession spark, String output, String job, String table) {
        Map<Long, Row> out = new HashMap<>();
        for (Row r : JobOutput.read(spark, output, job, table).collectAsList()) {
            out.put(r.getLong(r.fieldIndex("index")), r);
        }
        return out;
    }

    private static Row require(Map<Long, Row> rows, TokenizedPair p, String output) {
        Row row = rows.get(p.index());
        if (row == null) {
            throw new IllegalArgumentException(output + " has no row for pair " + p.index() + " (prompt \""
                    + abbreviate(p.source().prompt()) + "\"): compute it from the same pairs as the run trains on");
        }
        return row;
    }

    private static float[] floats(Row row, String column, int expected, TokenizedPair p, String output) {
        float[] values = PairBatches.unboxed(row.getList(row.fieldIndex(column)));
        if (values.length != expected) {
            throw new IllegalArgumentException(output + ": pair " + p.index() + " has " + values.length + " "
                    + column + " values, the run's encoding has " + expected + " " + column + " tokens (same"
                    + " tokenizer, maxLength and maxPromptLength?)");
        }
        return values;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    /** Scores computed by a job, under the fingerprint of the scorer that would compute them. */
    private record Precomputed(TokenScorer scorer, List<TokenScores> scores) implements TokenScorer {
        @Override
        public TokenScores score(TokenizedPair pair) {
            throw new UnsupportedOperationException("precomputed scores are read as a whole");
        }

        @Override
        public List<TokenScores> scoreAll(List<TokenizedPair> pairs) {
            return scores;
        }

        @Override
        public void fingerprint(Fingerprint.Builder into) {
            scorer.fingerprint(into);
        }
    }
}
