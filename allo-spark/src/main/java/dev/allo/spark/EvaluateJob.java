package dev.allo.spark;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Evaluates a policy without training.
 *
 * <p>On preference pairs: per pair, the policy's summed response log-probs {@code pi_c = sum_j log pi(y+_j)} and
 * {@code pi_r}, and, with a reference model, the reference's {@code ref_c} and {@code ref_r}. Metrics:
 * {@code rewards/accuracies} = the fraction of pairs with {@code (pi_c - ref_c) - (pi_r - ref_r) > 0} (DPO's
 * implicit-reward accuracy, TRL's {@code rewards/accuracies}; without a reference, {@code pi_c - pi_r > 0}),
 * {@code logps/chosen} and {@code logps/rejected} = the means of {@code pi_c} and {@code pi_r} over pairs, and
 * {@code loglik/chosen_per_token} = {@code sum pi_c / sum |y+|}.
 *
 * <p>On prompts with answers and a {@link ResponseChecker}: {@code greedy/accuracy}, the fraction of prompts whose
 * greedy response is correct.
 *
 * <p>Output tables {@code pairs} ({@code index, policy_chosen, policy_rejected, reference_chosen, reference_rejected,
 * chosen_tokens, rejected_tokens}) and {@code greedy} (as {@link SampleJob}'s {@code samples}); the metrics are in
 * the manifest under {@code metrics}.
 */
public final class EvaluateJob {
    /** The job's name in manifests. */
    public static final String NAME = "evaluate";

    static final StructType PAIRS = new StructType()
            .add("index", DataTypes.LongType, false)
            .add("policy_chosen", DataTypes.DoubleType, false)
            .add("policy_rejected", DataTypes.DoubleType, false)
            .add("reference_chosen", DataTypes.DoubleType, false)
            .add("reference_rejected", DataTypes.DoubleType, false)
            .add("chosen_tokens", DataTypes.IntegerType, false)
            .add("rejected_tokens", DataTypes.IntegerType, false);

    private EvaluateJob() {}

    /**
     * What a job produced.
     *
     * @param output the output directory
     * @param metrics metric name to value
     */
    public record Result(String output, Map<String, Double> metrics) {}

    /**
     * Runs the job.
     *
     * @param spark the session
     * @param pairsInput preference pairs, or null
     * @param promptsInput prompts with an {@code answer}, or null (needs {@code greedy})
     * @param output the output directory
     * @param job the policy, tokenizer, batching, truncation
     * @param referenceModel the reference model's directory, or null to compare log-probs without one
     * @param greedy greedy decoding settings with a checker, or null
     * @return the metrics
     */
    public static Result run(SparkSession spark, String pairsInput, String promptsInput, String output,
            JobSettings job, String referenceModel, SampleJob.Settings greedy) {
        if (pairsInput == null && promptsInput == null) {
            throw new IllegalArgumentException("evaluate needs pairs, prompts, or both");
        }
        if (promptsInput != null && (greedy == null || greedy.checker() == null || greedy.temperature() != 0)) {
            throw new IllegalArgumentException("evaluating prompts needs greedy settings (temperature 0) with a"
                    + " checker");
        }
        JobOutput out = JobOutput.begin(spark, output, job.overwrite());
        try {
            Map<String, Double> metrics = new LinkedHashMap<>();
            JavaRDD<Reject> rejects = JavaSparkContext.fromSparkContext(spark.sparkContext()).emptyRDD();
            if (pairsInput != null) {
                JobInput.Read<PairRow> read = JobInput.pairs(spark, pairsInput, job);
                read.checkRejects(job.maxRejectFraction());
                PairBatches.Batched batched = PairBatches.of(read.rows(), job, job.partitionsFor(spark));
                JavaRDD<Row> rows = batched.batches().mapPartitions(b -> scoreAll(b, job, referenceModel));
                out.table("pairs", spark.createDataFrame(rows, PAIRS), "index");
                metrics.putAll(pairMetrics(spark.read().parquet(out.temporaryTable("pairs"))));
                rejects = rejects.union(read.rejects()).union(batched.dropped());
            }
            if (promptsInput != null) {
                JobInput.Read<PromptRow> read = JobInput.prompts(spark, promptsInput);
                read.checkRejects(job.maxRejectFraction());
                JavaRDD<LengthBatches.Sized<SampleJob.Task>> tasks = read.rows().map(row ->
                        new LengthBatches.Sized<>(new SampleJob.Task(row, 0, 0), row.index(),
                                Prompts.ids(job.tokenizer().load(), row.prompt()).length));
                JavaRDD<Row> rows = LengthBatches.of(tasks, job.batchSize(), job.partitionsFor(spark))
                        .mapPartitions(b -> SampleJob.generateAll(b, job, greedy));
                out.table("greedy", spark.createDataFrame(rows, SampleJob.SAMPLES), "index");
                Row a = spark.read().parquet(out.temporaryTable("greedy"))
                        .agg(avg(when(col("correct"), 1.0).otherwise(0.0))).first();
                metrics.put("greedy/accuracy", a.getDouble(0));
                rejects = rejects.union(read.rejects());
            }
            out.rejects(rejects);
            out.put("job", NAME).put("pairs", pairsInput).put("prompts", promptsInput).put("model", job.model())
                    .put("referenceModel", referenceModel).put("batchSize", job.batchSize()).put("metrics", metrics);
            return new Result(out.commit(), metrics);
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
    }

    /** The pair metrics of the per-pair table (see the class comment). */
    static Map<String, Double> pairMetrics(Dataset<Row> pairs) {
        Row a = pairs.agg(
                avg(when(col("policy_chosen").minus(col("reference_chosen"))
                        .minus(col("policy_rejected").minus(col("reference_rejected"))).gt(0), 1.0)
                        .otherwise(0.0)),
                avg(col("policy_chosen")), avg(col("policy_rejected")),
                sum(col("policy_chosen")), sum(col("chosen_tokens"))).first();
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("rewards/accuracies", a.getDouble(0));
        out.put("logps/chosen", a.getDouble(1));
        out.put("logps/rejected", a.getDouble(2));
        out.put("loglik/chosen_per_token", a.getDouble(3) / a.getLong(4));
        return out;
    }

    private static Iterator<Row> scoreAll(Iterator<List<PairRow>> batches, JobSettings job, String referenceModel) {
        DecoderModel policy = ModelCache.get(job.model());
        DecoderModel reference = referenceModel == null ? null : ModelCache.get(referenceModel);
        Tokenizer tokenizer = job.tokenizer().load();
        List<Row> out = new ArrayList<>();
        while (batches.hasNext()) {
            List<TokenizedPair> pairs = PairBatches.encode(batches.next(), job.encoder());
            ReferenceLogProbs pi = ReferenceJob.compute(policy, tokenizer, pairs, job);
            ReferenceLogProbs ref = reference == null ? null : ReferenceJob.compute(reference, tokenizer, pairs, job);
            for (TokenizedPair p : pairs) {
                long i = p.index();
                out.add(RowFactory.create(i, total(pi.chosen(i)), total(pi.rejected(i)),
                        ref == null ? 0.0 : total(ref.chosen(i)), ref == null ? 0.0 : total(ref.rejected(i)),
                        p.chosenIds().length, p.rejectedIds().length));
            }
        }
        return out.iterator();
    }

    /** The sum of log-probs in token order, in double precision. */
    static double total(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
