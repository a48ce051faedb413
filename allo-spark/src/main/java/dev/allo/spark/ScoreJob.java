package dev.allo.spark;

import dev.allo.data.PromptTemplate;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.scorer.RewriteModelTokenScorer;
import dev.allo.scorer.RewriteScorerConfig;
import dev.allo.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The forgetting stage's token rewards from a rewriting model, ALLO Eq. (5) (arXiv 2406.12606, Sec. 4.2):
 * {@code r_j = 1 if P_R(y-_j | rewrite prompt, y-_<j) < u else 0}, computed by the library's
 * {@link RewriteModelTokenScorer} one {@link LengthBatches} batch per forward pass.
 *
 * <p>Output table {@code scores}: {@code index, rejected (array<float>, the rewards r_j), probabilities
 * (array<double>, the p_j)}. {@link PipelineCaches#writeScores} turns it into the pipeline's score cache file.
 */
public final class ScoreJob {
    /** The job's name in manifests. */
    public static final String NAME = "score";

    static final StructType SCHEMA = new StructType()
            .add("index", DataTypes.LongType, false)
            .add("rejected", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

    private ScoreJob() {}

    /**
     * The rewriter's settings, as the pipeline's stage gives them.
     *
     * @param threshold {@code u} of Eq. (5), the stage's {@code rewardThreshold}
     * @param templateName the rewrite prompt's name
     * @param templateText the rewrite prompt ({@link PromptTemplate#solutionRewriting()} unless the run sets
     *     another)
     */
    public record Settings(double threshold, String templateName, String templateText) implements Serializable {

        /**
         * Settings with a threshold and a template.
         *
         * @param threshold {@code u}
         * @param template the rewrite prompt
         * @return the settings
         */
        public static Settings of(double threshold, PromptTemplate template) {
            return new Settings(threshold, template.name(), template.text());
        }

        /**
         * The rewrite prompt.
         *
         * @return the template
         */
        public PromptTemplate template() {
            return PromptTemplate.of(templateName, templateText);
        }

        /**
         * The paper's defaults: {@code u = 0.95} and Table 6's template.
         *
         * @return the settings
         */
        public static Settings defaults() {
            RewriteScorerConfig d = RewriteScorerConfig.defaults();
            return of(d.threshold(), d.template());
        }

        RewriteScorerConfig config(int batchSize) {
            return new RewriteScorerConfig(threshold, template(), batchSize);
        }
    }

    /**
     * What a job produced.
     *
     * @param output the output directory
     * @param pairs pairs written
     * @param rejects input rows rejected or dropped by truncation
     */
    public record Result(String output, long pairs, long rejects) {}

    /**
     * Runs the job; {@link JobSettings#model()} is the rewriting model.
     *
     * @param spark the session
     * @param input pairs (JSONL or Parquet, see {@link JobInput#pairs})
     * @param output the output directory (written atomically, see {@link JobOutput})
     * @param job the rewriter, tokenizer, batching, truncation
     * @param settings threshold and template
     * @return the counts
     */
    public static Result run(SparkSession spark, String input, String output, JobSettings job, Settings settings) {
        JobInput.Read<PairRow> read = JobInput.pairs(spark, input, job);
        read.checkRejects(job.maxRejectFraction());
        JobOutput out = JobOutput.begin(spark, output, job.overwrite());
        try {
            PairBatches.Batched batched = PairBatches.of(read.rows(), job, job.partitionsFor(spark));
            JavaRDD<Row> rows = batched.batches().mapPartitions(batches -> scoreAll(batches, job, settings));
            long pairs = out.table("scores", spark.createDataFrame(rows, SCHEMA), "index");
            long rejects = out.rejects(read.rejects().union(batched.dropped()));
            out.put("job", NAME).put("input", input).put("model", job.model()).put("batchSize", job.batchSize())
                    .put("threshold", settings.threshold()).put("template", settings.templateText())
                    .put("maxLength", job.maxLength()).put("maxPromptLength", job.maxPromptLength())
                    .put("tokenizer", job.tokenizer().load().identity());
            return new Result(out.commit(), pairs, rejects);
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
    }

    private static Iterator<Row> scoreAll(Iterator<List<PairRow>> batches, JobSettings job, Settings settings) {
        DecoderModel model = ModelCache.get(job.model());
        Tokenizer tokenizer = job.tokenizer().load();
        List<Row> out = new ArrayList<>();
        while (batches.hasNext()) {
            List<TokenizedPair> pairs = PairBatches.encode(batches.next(), job.encoder());
            List<double[]> p = probabilities(model, tokenizer, pairs, settings);
            RewriteScorerConfig config = settings.config(pairs.size());
            for (int i = 0; i < pairs.size(); i++) {
                out.add(RowFactory.create(pairs.get(i).index(), config.rewards(p.get(i)), p.get(i)));
            }
        }
        return out.iterator();
    }

    /**
     * One batch's {@code p_j}, as the executors compute them: the whole batch in one forward pass.
     *
     * @param rewriter the rewriting model
     * @param tokenizer the shared tokenizer
     * @param batch the encoded pairs
     * @param settings threshold and template
     * @return the rewriter's probability of every rejected token
     */
    static List<double[]> probabilities(DecoderModel rewriter, Tokenizer tokenizer, List<TokenizedPair> batch,
            Settings settings) {
        return new RewriteModelTokenScorer(rewriter, tokenizer, settings.config(batch.size())).probabilities(batch);
    }
}
