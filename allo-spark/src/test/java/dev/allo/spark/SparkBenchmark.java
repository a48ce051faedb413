package dev.allo.spark;

import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.scorer.RewriteScorerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Rows per second of each job under one Spark master, and of the single-process path (the same batches computed by
 * the same library calls, without Spark) on the same rows:
 * {@code SparkBenchmark MASTER DIR [PAIRS] [REPEATS]} (DIR from {@link DevFixture}; a timed run follows one warm-up
 * run that loads the model and compiles the code; the best of REPEATS timed runs is reported, with the number of
 * Spark jobs it ran, and each job's wall time and call site under {@code -Dbench.profile=true};
 * {@code -Dbench.jobs=reference,evaluate} runs only the named jobs).
 */
public final class SparkBenchmark {
    private SparkBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args master, fixture directory, number of pairs (default 96), repeats (default 2)
     * @throws Exception if a job fails
     */
    public static void main(String[] args) throws Exception {
        String master = args[0];
        Path dir = Path.of(args[1]);
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 96;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        String model = dir.resolve("model").toString();
        String pairs = dir.resolve("pairs.jsonl").toString();
        Path prompts = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("{\"prompt\": \"" + (i % 50 + 1) + "+" + (i % 7 + 2) + "=\", \"answer\": " + (i % 50 + i % 7 + 3)
                    + "}");
        }
        Files.write(prompts, lines);
        SparkSession.Builder builder = SparkSession.builder().appName("allo-spark benchmark")
                .config("spark.ui.enabled", "false");
        if (!master.equals("single")) {
            builder.master(master);
        }
        JobSettings job = JobSettings.of(model).withBatchSize(8).withOverwrite(true);
        ScoreJob.Settings scoring = ScoreJob.Settings.of(0.95, RewriteScorerConfig.defaults().template());
        SampleJob.Settings sampling = new SampleJob.Settings(2, 16, 0.8, 0.95, 1, (p, a, r) -> r.contains(a));
        if (master.equals("single")) {
            single(model, pairs, n, job, scoring, sampling, repeats);
            return;
        }
        SparkSession spark = builder.getOrCreate();
        spark.sparkContext().addSparkListener(JOBS);
        try {
            String out = dir.resolve("bench-out").toString();
            report(master, "reference", n, repeats,
                    () -> ReferenceJob.run(spark, pairs, out + "-ref", job));
            report(master, "score", n, repeats,
                    () -> ScoreJob.run(spark, pairs, out + "-score", job, scoring));
            report(master, "sample (k=2, 16 tokens)", 2 * n, repeats,
                    () -> SampleJob.run(spark, prompts.toString(), out + "-sample", job, sampling));
            report(master, "evaluate (pairs)", n, repeats,
                    () -> EvaluateJob.run(spark, pairs, null, out + "-eval", job, null, null));
        } finally {
            spark.stop();
        }
    }

    /** The same batches through the same library calls in this process, without Spark. */
    private static void single(String modelDir, String pairsFile, int n, JobSettings job, ScoreJob.Settings scoring,
            SampleJob.Settings sampling, int repeats) throws Exception {
        DecoderModel model = ModelCache.get(modelDir);
        List<PreferenceExample> examples = dev.allo.impl.data.JsonlPreferenceReader.readAll(Path.of(pairsFile),
                dev.allo.data.ReadOptions.defaults());
        List<TokenizedPair> encoded = PipelineCaches.encode(examples, SparkTestSupport.TOKENIZER, 512, 256);
        List<LengthBatches.Sized<TokenizedPair>> sized = new ArrayList<>();
        for (TokenizedPair p : encoded) {
            sized.add(new LengthBatches.Sized<>(p, p.index(),
                    p.promptIds().length + Math.max(p.chosenIds().length, p.rejectedIds().length)));
        }
        List<List<TokenizedPair>> batches = LengthBatches.local(sized, job.batchSize());
        report("single", "reference", n, repeats, () -> batches.forEach(b ->
                ReferenceJob.compute(model, SparkTestSupport.TOKENIZER, b, job)));
        report("single", "score", n, repeats, () -> batches.forEach(b ->
                ScoreJob.probabilities(model, SparkTestSupport.TOKENIZER, b, scoring)));
        List<LengthBatches.Sized<SampleJob.Task>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PromptRow row = new PromptRow(i, (i % 50 + 1) + "+" + (i % 7 + 2) + "=", null, null);
            for (int s = 0; s < 2; s++) {
                tasks.add(new LengthBatches.Sized<>(new SampleJob.Task(row, s, Seeds.of(1, i, s)), 2L * i + s,
                        Prompts.ids(SparkTestSupport.TOKENIZER, row.prompt()).length));
            }
        }
        List<List<SampleJob.Task>> sampleBatches = LengthBatches.local(tasks, job.batchSize());
        report("single", "sample (k=2, 16 tokens)", 2 * n, repeats, () -> sampleBatches.forEach(b ->
                SampleJob.generate(model, SparkTestSupport.TOKENIZER, b, sampling.generation())));
        report("single", "evaluate (pairs)", n, repeats, () -> batches.forEach(b ->
                ReferenceJob.compute(model, SparkTestSupport.TOKENIZER, b, job)));
    }

    private static void report(String master, String job, int rows, int repeats, Run run) throws Exception {
        String only = System.getProperty("bench.jobs");
        if (only != null && !List.of(only.split(",")).contains(job.split(" ")[0])) {
            return;
        }
        run.run(); // warm-up: model load, JIT
        double best = Double.MAX_VALUE;
        List<String> bestJobs = List.of();
        List<String> bestStages = List.of();
        for (int r = 0; r < repeats; r++) {
            JOBS.clear();
            long start = System.nanoTime();
            run.run();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (seconds < best) {
                best = seconds;
                bestJobs = JOBS.finished();
                bestStages = JOBS.slowStages();
            }
        }
        System.out.println(String.format(Locale.ROOT, "BENCH master=%s job=%s rows=%d seconds=%.3f rows_per_s=%.1f"
                + " spark_jobs=%d", master, job, rows, best, rows / best, bestJobs.size()));
        if (Boolean.getBoolean("bench.profile")) {
            bestJobs.forEach(j -> System.out.println("  " + j));
            bestStages.forEach(System.out::println);
        }
    }

    /**
     * The Spark jobs of a timed run (each one's wall time and the call site of its last stage), and its slow
     * stages (task run time, the task threads' CPU time, deserialisation and GC, number of tasks).
     */
    private static final class JobLog extends SparkListener {
        private final Map<Integer, SparkListenerJobStart> started = new ConcurrentHashMap<>();
        private final List<String> finished = Collections.synchronizedList(new ArrayList<>());
        private final List<String> stages = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            started.put(start.jobId(), start);
        }

        @Override
        public void onJobEnd(SparkListenerJobEnd end) {
            SparkListenerJobStart start = started.remove(end.jobId());
            if (start != null) {
                finished.add(String.format(Locale.ROOT, "%6.3f s  %s", (end.time() - start.time()) / 1e3,
                        CollectionConverters.asJava(start.stageInfos()).stream()
                                .max(Comparator.comparingInt(StageInfo::stageId)).orElseThrow().name()));
            }
        }

        @Override
        public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted done) {
            StageInfo st = done.stageInfo();
            if (st.taskMetrics() != null && st.taskMetrics().executorRunTime() > 300) {
                stages.add(String.format(Locale.ROOT, "   stage %d %s: run %.3f s cpu %.3f s deser %.3f s gc %.3f s",
                        st.stageId(), st.name(), st.taskMetrics().executorRunTime() / 1e3,
                        st.taskMetrics().executorCpuTime() / 1e9, st.taskMetrics().executorDeserializeTime() / 1e3,
                        st.taskMetrics().jvmGCTime() / 1e3) + ", " + st.numTasks() + " tasks");
            }
        }

        void clear() {
            finished.clear();
            stages.clear();
        }

        /** The stages of the run whose tasks ran longer than 0.3 s together. */
        List<String> slowStages() {
            synchronized (stages) {
                return List.copyOf(stages);
            }
        }

        List<String> finished() {
            synchronized (finished) {
                return List.copyOf(finished);
            }
        }
    }

    private static final JobLog JOBS = new JobLog();

    @FunctionalInterface
    private interface Run {
        void run() throws Exception;
    }
}
