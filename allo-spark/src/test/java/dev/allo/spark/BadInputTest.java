package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Unreadable models, unparseable rows and mismatched Parquet schemas: clear errors or rejects, no partial output. */
class BadInputTest {
    private static final String GOOD = "{\"prompt\": \"1+1=\", \"chosen\": \"2\", \"rejected\": \"3\"}";

    @Test
    void aModelPathTheExecutorsCannotReadFailsNamingThePathAndLeavesNoOutput() throws Exception {
        SparkSession spark = SparkTestSupport.spark();
        Path input = SparkTestSupport.root().resolve("bad-model.jsonl");
        SparkTestSupport.write(input, List.of(GOOD));
        String missing = SparkTestSupport.root().resolve("no-such-model").toString();
        String out = SparkTestSupport.out("bad-model");
        assertThatThrownBy(() -> ReferenceJob.run(spark, input.toString(), out, JobSettings.of(missing)))
                .hasStackTraceContaining("model path " + missing + " is not a readable checkpoint directory");
        assertThat(Path.of(out)).doesNotExist();
        try (var siblings = Files.list(Path.of(out).getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("." + Path.of(out).getFileName() + ".tmp-"));
        }
        assertThatThrownBy(() -> JobOutput.manifest(spark, out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no manifest.json");
    }

    @Test
    void unparseableRowsAreRejectedWithTheirReasonAndTheRestIsComputed() {
        SparkSession spark = SparkTestSupport.spark();
        Path input = SparkTestSupport.root().resolve("bad-rows.jsonl");
        SparkTestSupport.write(input, List.of(GOOD, "{\"prompt\": \"2+2=\", \"chosen\": \"4\"", "",
                "{\"prompt\": \"2+2=\", \"chosen\": 4, \"rejected\": \"5\"}",
                "{\"prompt\": \"3+3=\", \"chosen\": \"6\", \"rejected\": \"7\"}"));
        JobSettings job = JobSettings.of(SparkTestSupport.modelDir(11)).withPartitions(2);
        ReferenceJob.Result result = ReferenceJob.run(spark, input.toString(), SparkTestSupport.out("rejects"), job);
        assertThat(result.pairs()).isEqualTo(2);
        assertThat(result.rejects()).isEqualTo(2);
        List<Row> rejects = JobOutput.read(spark, result.output(), ReferenceJob.NAME, "rejects").sort("line")
                .collectAsList();
        assertThat(rejects.get(0).getLong(0)).isEqualTo(2);
        assertThat(rejects.get(0).getString(2)).startsWith("invalid JSON");
        assertThat(rejects.get(1).getLong(0)).isEqualTo(4);
        assertThat(rejects.get(1).getString(2)).isEqualTo("field 'chosen' must be a string, got number");
        // The good rows keep the indices the pipeline gives them: positions among the non-blank lines.
        assertThat(JobOutput.read(spark, result.output(), ReferenceJob.NAME, "reference").sort("index")
                .collectAsList().stream().map(r -> r.getLong(0)).toList()).containsExactly(0L, 3L);

        String out = SparkTestSupport.out("threshold");
        assertThatThrownBy(() -> ReferenceJob.run(spark, input.toString(), out, job.withMaxRejectFraction(0.25)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 of 4 rows of " + input)
                .hasMessageContaining("line 2: invalid JSON");
        assertThat(Path.of(out)).doesNotExist();
    }

    @Test
    void aParquetColumnOfTheWrongTypeIsRefusedNamingTheColumn() {
        SparkSession spark = SparkTestSupport.spark();
        StructType schema = new StructType().add("prompt", DataTypes.StringType).add("chosen", DataTypes.IntegerType)
                .add("rejected", DataTypes.StringType);
        String parquet = SparkTestSupport.root().resolve("wrong-type.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create("1+1=", 2, "3")), schema).write().parquet(parquet);
        assertThatThrownBy(() -> ReferenceJob.run(spark, parquet, SparkTestSupport.out("schema"),
                JobSettings.of(SparkTestSupport.modelDir(11))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Parquet input " + parquet + ": column 'chosen' has type int, expected string");

        StructType missing = new StructType().add("prompt", DataTypes.StringType).add("rejected", DataTypes.StringType);
        String parquet2 = SparkTestSupport.root().resolve("missing-column.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create("1+1=", "3")), missing).write().parquet(parquet2);
        assertThatThrownBy(() -> ReferenceJob.run(spark, parquet2, SparkTestSupport.out("schema2"),
                JobSettings.of(SparkTestSupport.modelDir(11))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Parquet input " + parquet2 + " has no column 'chosen'");
    }

    @Test
    void parquetInputGivesTheSameOutputAsJsonl() {
        SparkSession spark = SparkTestSupport.spark();
        StructType schema = new StructType().add("prompt", DataTypes.StringType).add("chosen", DataTypes.StringType)
                .add("rejected", DataTypes.StringType).add("reference", DataTypes.StringType);
        String parquet = SparkTestSupport.root().resolve("pairs.parquet").toString();
        var pairs = SparkTestSupport.pairs(5);
        spark.createDataFrame(pairs.stream().map(p -> RowFactory.create(p.prompt(), p.chosen(), p.rejected(),
                p.reference().orElse(null))).toList(), schema).coalesce(1).write().parquet(parquet);
        String jsonl = SparkTestSupport.pairsJsonl("pairs-for-parquet.jsonl", pairs).toString();
        JobSettings job = JobSettings.of(SparkTestSupport.modelDir(11)).withBatchSize(2);
        var a = ReferenceJobTest.read(spark, ReferenceJob.run(spark, parquet, SparkTestSupport.out("pq"), job)
                .output());
        var b = ReferenceJobTest.read(spark, ReferenceJob.run(spark, jsonl, SparkTestSupport.out("js"), job)
                .output());
        assertThat(a.keySet()).isEqualTo(b.keySet()).hasSize(5);
        a.forEach((i, v) -> {
            assertThat(v[0]).containsExactly(b.get(i)[0]);
            assertThat(v[1]).containsExactly(b.get(i)[1]);
        });
    }
}
