package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.impl.model.DecoderModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Sampling with per-row seeds: the same responses with 1 or 3 partitions and in one process; pairs from grades. */
class SampleJobTest {
    /** Grades by the parity of the response's length: a deterministic stand-in giving both verdicts. */
    private static final ResponseChecker EVEN_LENGTH = (prompt, answer, response) -> response.length() % 2 == 0;

    private static List<String> prompts() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            lines.add("{\"prompt\": \"" + (i + 3) + "*" + (i % 4 + 2) + "=" + " ".repeat(i % 3) + "\", \"answer\": "
                    + (i + 3) * (i % 4 + 2) + "}");
        }
        return lines;
    }

    @Test
    void samplesDoNotDependOnPartitioningAndEqualTheSingleProcessComputation() {
        SparkSession spark = SparkTestSupport.spark();
        String model = SparkTestSupport.modelDir(13);
        java.nio.file.Path input = SparkTestSupport.root().resolve("sample-prompts.jsonl");
        SparkTestSupport.write(input, prompts());
        JobSettings job = JobSettings.of(model).withBatchSize(4);
        SampleJob.Settings settings = new SampleJob.Settings(3, 6, 1.0, 0.9, 1234L, EVEN_LENGTH);

        SampleJob.Result one = SampleJob.run(spark, input.toString(), SparkTestSupport.out("sample1"),
                job.withPartitions(1), settings);
        SampleJob.Result three = SampleJob.run(spark, input.toString(), SparkTestSupport.out("sample3"),
                job.withPartitions(3), settings);
        assertThat(one.samples()).isEqualTo(7 * 3);
        List<Row> a = JobOutput.read(spark, one.output(), SampleJob.NAME, "samples").sort("index", "sample")
                .collectAsList();
        List<Row> b = JobOutput.read(spark, three.output(), SampleJob.NAME, "samples").sort("index", "sample")
                .collectAsList();
        assertThat(b).isEqualTo(a);

        // The same tasks and batches in this process.
        DecoderModel m = ModelCache.get(model);
        List<LengthBatches.Sized<SampleJob.Task>> tasks = new ArrayList<>();
        List<String> lines = prompts();
        for (int i = 0; i < lines.size(); i++) {
            String prompt = (i + 3) + "*" + (i % 4 + 2) + "=" + " ".repeat(i % 3);
            PromptRow row = new PromptRow(i, prompt, String.valueOf((i + 3) * (i % 4 + 2)), null);
            for (int s = 0; s < 3; s++) {
                tasks.add(new LengthBatches.Sized<>(new SampleJob.Task(row, s, Seeds.of(1234L, i, s)), i * 3L + s,
                        Prompts.ids(SparkTestSupport.TOKENIZER, prompt).length));
            }
        }
        Map<String, String> expected = new HashMap<>();
        for (List<SampleJob.Task> batch : LengthBatches.local(tasks, job.batchSize())) {
            List<int[]> generated = SampleJob.generate(m, SparkTestSupport.TOKENIZER, batch, settings.generation());
            for (int i = 0; i < batch.size(); i++) {
                expected.put(batch.get(i).prompt().index() + "/" + batch.get(i).sample(),
                        Prompts.decode(SparkTestSupport.TOKENIZER, generated.get(i)));
            }
        }
        int correct = 0;
        for (Row r : a) {
            String key = r.getLong(0) + "/" + r.getInt(1);
            assertThat(r.getString(r.fieldIndex("response"))).as(key).isEqualTo(expected.get(key));
            assertThat(r.getLong(r.fieldIndex("seed"))).isEqualTo(Seeds.of(1234L, r.getLong(0), r.getInt(1)));
            boolean c = r.getBoolean(r.fieldIndex("correct"));
            assertThat(c).isEqualTo(r.getString(r.fieldIndex("response")).length() % 2 == 0);
            correct += c ? 1 : 0;
        }
        assertThat(correct).as("both verdicts occur").isBetween(1, a.size() - 1);
        // Different samples of a prompt differ (their seeds differ).
        assertThat(a.stream().map(r -> r.getString(r.fieldIndex("response"))).distinct().count()).isGreaterThan(7);

        List<Row> pairs = JobOutput.read(spark, one.output(), SampleJob.NAME, "pairs")
                .sort("source_index", "sample_chosen").collectAsList();
        assertThat(pairs).hasSize((int) one.pairs());
        assertThat(pairs).isNotEmpty();
        for (Row p : pairs) {
            assertThat(p.getString(p.fieldIndex("chosen")).length() % 2).isZero();
            assertThat(p.getString(p.fieldIndex("rejected")).length() % 2).isOne();
        }
    }
}
