package dev.allo.spark;

import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.GenerationConfig;
import dev.allo.impl.model.TokenGenerator;
import dev.allo.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code k} responses per prompt from a policy, greedy or with temperature and top-p ({@link GenerationConfig}),
 * each row sampled from its own seed ({@link Seeds}); with a {@link ResponseChecker}, every response is graded and
 * each prompt's correct and wrong responses are paired into (chosen = correct, rejected = wrong) preference pairs:
 * the {@code j}-th correct with the {@code j}-th wrong, in sample order, {@code min(#correct, #wrong)} pairs.
 *
 * <p>Output tables: {@code samples} ({@code index, sample, prompt, answer, reference, response, tokens, seed,
 * correct}) and, with a checker, {@code pairs} ({@code prompt, chosen, rejected, reference, source_index,
 * sample_chosen, sample_rejected}), whose JSONL is the pipeline's pair format.
 */
public final class SampleJob {
    /** The job's name in manifests. */
    public static final String NAME = "sample";

    static final StructType SAMPLES = new StructType()
            .add("index", DataTypes.LongType, false)
            .add("sample", DataTypes.IntegerType, false)
            .add("prompt", DataTypes.StringType, false)
            .add("answer", DataTypes.StringType, true)
            .add("reference", DataTypes.StringType, true)
            .add("response", DataTypes.StringType, false)
            .add("tokens", DataTypes.IntegerType, false)
            .add("seed", DataTypes.LongType, false)
            .add("correct", DataTypes.BooleanType, true);

    static final StructType PAIRS = new StructType()
            .add("prompt", DataTypes.StringType, false)
            .add("chosen", DataTypes.StringType, false)
            .add("rejected", DataTypes.StringType, false)
            .add("reference", DataTypes.StringType, true)
            .add("source_index", DataTypes.LongType, false)
            .add("sample_chosen", DataTypes.IntegerType, false)
            .add("sample_rejected", DataTypes.IntegerType, false);

    private SampleJob() {}

    /**
     * How to sample.
     *
     * @param k responses per prompt, at least 1
     * @param maxNewTokens the most tokens of a response
     * @param temperature 0 for greedy decoding, else the softmax temperature
     * @param topP the nucleus mass in (0, 1]
     * @param seed the job's seed, from which each row's is derived ({@link Seeds})
     * @param checker grades responses and builds pairs, or null
     */
    public record Settings(int k, int maxNewTokens, double temperature, double topP, long seed,
            ResponseChecker checker) implements Serializable {

        /** Checks the values. */
        public Settings {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, got " + k);
            }
            new GenerationConfig(maxNewTokens, temperature, topP, seed, List.of(), true); // validates
        }

        /**
         * Greedy decoding, one response per prompt.
         *
         * @param maxNewTokens the most tokens of a response
         * @param checker grades responses, or null
         * @return the settings
         */
        public static Settings greedy(int maxNewTokens, ResponseChecker checker) {
            return new Settings(1, maxNewTokens, 0, 1, 0, checker);
        }

        /**
         * The decoding settings (EOS is added from the tokenizer).
         *
         * @return the configuration
         */
        public GenerationConfig generation() {
            return new GenerationConfig(maxNewTokens, temperature, topP, seed, List.of(), true);
        }
    }

    /** One response to generate: a prompt and its sample number. */
    record Task(PromptRow prompt, int sample, long seed) implements Serializable {}

    /**
     * What a job produced.
     *
     * @param output the output directory
     * @param samples responses written
     * @param pairs pairs written (0 without a checker)
     * @param rejects input rows rejected
     */
    public record Result(String output, long samples, long pairs, long rejects) {}

    /**
     * Runs the job.
     *
     * @param spark the session
     * @param input prompts (JSONL or Parquet, see {@link JobInput#prompts})
     * @param output the output directory (written atomically, see {@link JobOutput})
     * @param job model, tokenizer, batching
     * @param settings what to sample
     * @return the counts
     */
    public static Result run(SparkSession spark, String input, String output, JobSettings job, Settings settings) {
        JobInput.Read<PromptRow> read = JobInput.prompts(spark, input);
        long rejects = read.checkRejects(job.maxRejectFraction());
        JobOutput out = JobOutput.begin(spark, output, job.overwrite());
        try {
            int k = settings.k();
            long seed = settings.seed();
            TokenizerSource tokenizer = job.tokenizer();
            JavaRDD<LengthBatches.Sized<Task>> tasks = read.rows().flatMap(row -> {
                int length = Prompts.ids(tokenizer.load(), row.prompt()).length;
                List<LengthBatches.Sized<Task>> out1 = new ArrayList<>(k);
                for (int s = 0; s < k; s++) {
                    out1.add(new LengthBatches.Sized<>(new Task(row, s, Seeds.of(seed, row.index(), s)),
                            row.index() * k + s, length));
                }
                return out1.iterator();
            });
            JavaRDD<Row> rows = LengthBatches.of(tasks, job.batchSize(), job.partitionsFor(spark))
                    .mapPartitions(batches -> generateAll(batches, job, settings));
            long samples = out.table("samples", spark.createDataFrame(rows, SAMPLES), "index", "sample");
            long pairs = 0;
            if (settings.checker() != null) {
                Dataset<Row> written = spark.read().parquet(out.temporaryTable("samples"));
                JavaRDD<Row> pairRows = written.javaRDD()
                        .groupBy(r -> r.getLong(r.fieldIndex("index")))
                        .flatMap(g -> pairsOf(g._2()).iterator());
                pairs = out.table("pairs", spark.createDataFrame(pairRows, PAIRS), "source_index", "sample_chosen");
            }
            out.rejects(read.rejects());
            out.put("job", NAME).put("input", input).put("model", job.model()).put("k", k).put("seed", seed)
                    .put("temperature", settings.generation().temperature()).put("topP", settings.generation().topP())
                    .put("maxNewTokens", settings.generation().maxNewTokens()).put("batchSize", job.batchSize())
                    .put("checker", settings.checker() == null ? null : settings.checker().getClass().getName());
            return new Result(out.commit(), samples, pairs, rejects);
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
    }

    static Iterator<Row> generateAll(Iterator<List<Task>> batches, JobSettings job, Settings settings) {
        DecoderModel model = ModelCache.get(job.model());
        Tokenizer tokenizer = job.tokenizer().load();
        List<Row> out = new ArrayList<>();
        while (batches.hasNext()) {
            List<Task> batch = batches.next();
            List<int[]> generated = generate(model, tokenizer, batch, settings.generation());
            for (int i = 0; i < batch.size(); i++) {
                Task t = batch.get(i);
                String response = Prompts.decode(tokenizer, generated.get(i));
                Boolean correct = settings.checker() == null || t.prompt().answer() == null ? null
                        : settings.checker().isCorrect(t.prompt().prompt(), t.prompt().answer(), response);
                out.add(RowFactory.create(t.prompt().index(), t.sample(), t.prompt().prompt(), t.prompt().answer(),
                        t.prompt().reference(), response, generated.get(i).length, t.seed(), correct));
            }
        }
        return out.iterator();
    }

    /**
     * The responses of one batch, as the executors compute them: prompts {@code BOS + encode(prompt)}, EOS the
     * tokenizer's, each row sampled from its own seed (ignored when greedy).
     *
     * @param model the policy
     * @param tokenizer its tokenizer
     * @param batch the tasks, in batch order
     * @param generation the decoding settings
     * @return the generated ids of each task, EOS included when generated
     */
    static List<int[]> generate(DecoderModel model, Tokenizer tokenizer, List<Task> batch,
            GenerationConfig generation) {
        List<int[]> prompts = new ArrayList<>(batch.size());
        long[] seeds = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            prompts.add(Prompts.ids(tokenizer, batch.get(i).prompt().prompt()));
            seeds[i] = batch.get(i).seed();
        }
        GenerationConfig config = tokenizer.eosId().isPresent()
                ? generation.withEosTokenIds(List.of(tokenizer.eosId().getAsInt())) : generation;
        return new TokenGenerator(model).generate(prompts, config, seeds);
    }

    /** The pairs of one prompt's samples: the j-th correct with the j-th wrong, in sample order. */
    static List<Row> pairsOf(Iterable<Row> samples) {
        List<Row> correct = new ArrayList<>();
        List<Row> wrong = new ArrayList<>();
        for (Row r : samples) {
            Object c = r.get(r.fieldIndex("correct"));
            if (Boolean.TRUE.equals(c)) {
                correct.add(r);
            } else if (Boolean.FALSE.equals(c)) {
                wrong.add(r);
            }
        }
        Comparator<Row> bySample = Comparator.comparingInt(r -> r.getInt(r.fieldIndex("sample")));
        correct.sort(bySample);
        wrong.sort(bySample);
        List<Row> out = new ArrayList<>();
        for (int j = 0; j < Math.min(correct.size(), wrong.size()); j++) {
            Row c = correct.get(j);
            Row w = wrong.get(j);
            out.add(RowFactory.create(c.getString(c.fieldIndex("prompt")), c.getString(c.fieldIndex("response")),
                    w.getString(w.fieldIndex("response")), c.getString(c.fieldIndex("reference")),
                    c.getLong(c.fieldIndex("index")), c.getInt(c.fieldIndex("sample")),
                    w.getInt(w.fieldIndex("sample"))));
        }
        return out;
    }
}
