package dev.allo.spark;

import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.tokenizer.Tokenizer;
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
 * The frozen reference model's per-token log-probabilities {@code log P_ref(y_j | x, y_<j)} of every chosen and
 * rejected response token (the {@code P_ref} of ALLO's Eqs. (2) and (6)-(9), arXiv 2406.12606), computed exactly as
 * the pipeline's {@link ReferenceLogProbs#compute} computes them, one {@link LengthBatches} batch per forward pass.
 *
 * <p>Output table {@code reference}: {@code index, chosen (array<float>), rejected (array<float>)}.
 * {@link PipelineCaches#writeReference} turns it into the pipeline's cache file.
 */
public final class ReferenceJob {
    /** The job's name in manifests. */
    public static final String NAME = "reference";

    static final StructType SCHEMA = new StructType()
            .add("index", DataTypes.LongType, false)
            .add("chosen", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("rejected", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private ReferenceJob() {}

    /**
     * What a job produced.
     *
     * @param output the output directory
     * @param pairs pairs written
     * @param rejects input rows rejected or dropped by truncation
     */
    public record Result(String output, long pairs, long rejects) {}

    /**
     * Runs the job.
     *
     * @param spark the session
     * @param input pairs (JSONL or Parquet, see {@link JobInput#pairs})
     * @param output the output directory (written atomically, see {@link JobOutput})
     * @param job the reference model, tokenizer, batching, truncation
     * @return the counts
     */
    public static Result run(SparkSession spark, String input, String output, JobSettings job) {
        JobInput.Read<PairRow> read = JobInput.pairs(spark, input, job);
        read.checkRejects(job.maxRejectFraction());
        JobOutput out = JobOutput.begin(spark, output, job.overwrite());
        try {
            PairBatches.Batched batched = PairBatches.of(read.rows(), job, job.partitionsFor(spark));
            JavaRDD<Row> rows = batched.batches().mapPartitions(batches -> computeAll(batches, job));
            long pairs = out.table("reference", spark.createDataFrame(rows, SCHEMA), "index");
            long rejects = out.rejects(read.rejects().union(batched.dropped()));
            out.put("job", NAME).put("input", input).put("model", job.model()).put("batchSize", job.batchSize())
                    .put("maxLength", job.maxLength()).put("maxPromptLength", job.maxPromptLength())
                    .put("logProbChunk", job.logProbChunk()).put("tokenizer", job.tokenizer().load().identity());
            return new Result(out.commit(), pairs, rejects);
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
    }

    private static Iterator<Row> computeAll(Iterator<List<PairRow>> batches, JobSettings job) {
        DecoderModel model = ModelCache.get(job.model());
        Tokenizer tokenizer = job.tokenizer().load();
        List<Row> out = new ArrayList<>();
        while (batches.hasNext()) {
            List<TokenizedPair> pairs = PairBatches.encode(batches.next(), job.encoder());
            ReferenceLogProbs values = compute(model, tokenizer, pairs, job);
            for (TokenizedPair p : pairs) {
                out.add(RowFactory.create(p.index(), values.chosen(p.index()),
                        values.rejected(p.index())));
            }
        }
        return out.iterator();
    }

    /**
     * One batch's log-probs, as the executors compute them: the whole batch in one forward pass.
     *
     * @param model the reference model
     * @param tokenizer its tokenizer (for the padding id)
     * @param batch the encoded pairs
     * @param job the log-prob settings
     * @return the log-probs of the batch's pairs
     */
    static ReferenceLogProbs compute(DecoderModel model, Tokenizer tokenizer, List<TokenizedPair> batch,
            JobSettings job) {
        return ReferenceLogProbs.compute(model, batch, batch.size(), job.logProbs(),
                PreferenceCollator.padIdFor(tokenizer), "spark-batch");
    }
}
