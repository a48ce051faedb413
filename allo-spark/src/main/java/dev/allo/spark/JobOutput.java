package dev.allo.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.allo.AlloException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * A job's output directory, written atomically: everything goes to a hidden sibling {@code .<name>.tmp-<uuid>}
 * first, {@value #MANIFEST} last, and only then is the directory renamed to its final name. A job that fails leaves
 * no directory under the final name (its temporary one is deleted); {@link #read} and the other readers refuse a
 * directory without a manifest. On object stores without atomic directory rename (S3) the manifest, written last,
 * is still what readers require.
 *
 * <p>Layout: {@code <out>/<table>/parquet/} and {@code <out>/<table>/jsonl/} for each table the job writes (rows
 * sorted by index), {@code <out>/rejects/...} for the input rows that could not be used, and {@code <out>/manifest.json}
 * with the job's name, settings, row counts and metrics.
 */
public final class JobOutput {
    /** The file that marks a complete output. */
    public static final String MANIFEST = "manifest.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final StructType REJECTS = new StructType()
            .add("line", DataTypes.LongType, false)
            .add("input", DataTypes.StringType, false)
            .add("reason", DataTypes.StringType, false);

    private final SparkSession spark;
    private final Path target;
    private final Path temporary;
    private final FileSystem fs;
    private final boolean overwrite;
    private final Map<String, Object> manifest = new LinkedHashMap<>();

    private JobOutput(SparkSession spark, Path target, boolean overwrite) {
        this.spark = spark;
        this.target = target;
        this.overwrite = overwrite;
        try {
            this.fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(target) && !overwrite) {
                throw new IllegalArgumentException("output " + target + " already exists: choose a new path or"
                        + " pass overwrite");
            }
            Path parent = target.getParent();
            this.temporary = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
        } catch (IOException e) {
            throw new AlloException("cannot prepare output " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts an output.
     *
     * @param spark the session
     * @param out the final directory (local path or any Hadoop file system URI)
     * @param overwrite whether an existing output is replaced (at commit, not before)
     * @return the output, not yet visible under {@code out}
     * @throws IllegalArgumentException if {@code out} exists and {@code overwrite} is false
     */
    public static JobOutput begin(SparkSession spark, String out, boolean overwrite) {
        return new JobOutput(spark, new Path(out), overwrite);
    }

    /**
     * Writes a table as Parquet and as JSONL, sorted by the given columns.
     *
     * @param name the table's name (a directory of the output)
     * @param frame the rows
     * @param sortColumns the columns that order the rows
     * @return the number of rows written
     */
    public long table(String name, Dataset<Row> frame, String... sortColumns) {
        Path table = new Path(temporary, name);
        Column[] order = Arrays.stream(sortColumns).map(functions::col).toArray(Column[]::new);
        // The computed rows are kept: sorting samples them to find the ranges and then shuffles them, and neither
        // may run the models again. They are sorted into as many partitions as they were computed in, not Spark
        // SQL's default of 200 shuffle partitions (200 tasks and files per table, most of a small job's time).
        JavaRDD<Row> computed = frame.javaRDD().persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> sorted = spark.createDataFrame(computed, frame.schema())
                .repartitionByRange(Math.max(1, computed.getNumPartitions()), order).sortWithinPartitions(order)
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            sorted.write().parquet(new Path(table, "parquet").toString());
            sorted.write().json(new Path(table, "jsonl").toString());
            long count = sorted.count();
            manifest.put(name + "Rows", count);
            return count;
        } finally {
            sorted.unpersist();
            computed.unpersist();
        }
    }

    /**
     * The Parquet directory of a table written by {@link #table}, before the commit.
     *
     * @param name the table's name
     * @return its path
     */
    public String temporaryTable(String name) {
        return new Path(new Path(temporary, name), "parquet").toString();
    }

    /**
     * Writes the rejected input rows.
     *
     * @param rejects the rejects
     * @return how many there are
     */
    public long rejects(JavaRDD<Reject> rejects) {
        JavaRDD<Row> rows = rejects.map(r -> RowFactory.create(r.line(), r.input(), r.reason()));
        return table("rejects", spark.createDataFrame(rows, REJECTS), "line");
    }

    /**
     * Adds an entry to the manifest.
     *
     * @param key the key
     * @param value a JSON-serialisable value
     * @return this output
     */
    public JobOutput put(String key, Object value) {
        manifest.put(key, value);
        return this;
    }

    /**
     * Writes the manifest and makes the output visible under its final name.
     *
     * @return the final directory
     * @throws AlloException if it cannot be renamed
     */
    public String commit() {
        try {
            try (OutputStream s = fs.create(new Path(temporary, MANIFEST), false)) {
                MAPPER.writeValue(s, manifest);
            }
            if (overwrite && fs.exists(target)) {
                fs.delete(target, true);
            }
            if (!fs.rename(temporary, target)) {
                throw new AlloException("cannot rename " + temporary + " to " + target);
            }
            return target.toString();
        } catch (IOException e) {
            throw new AlloException("cannot commit output " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the temporary directory of a failed job. */
    public void abort() {
        try {
            fs.delete(temporary, true);
        } catch (IOException e) {
            // the directory is hidden and never read; the job's own error is what matters
        }
    }

    /**
     * The manifest of a complete output.
     *
     * @param spark the session (for the Hadoop configuration)
     * @param out the output directory
     * @return the manifest
     * @throws IllegalArgumentException if the directory has no manifest (a missing, partial or foreign output)
     */
    public static JsonNode manifest(SparkSession spark, String out) {
        Path file = new Path(out, MANIFEST);
        try {
            FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(file)) {
                throw new IllegalArgumentException(out + " is not a complete allo-spark output: it has no " + MANIFEST
                        + " (the job did not finish, or this is not a job's output)");
            }
            try (InputStream s = fs.open(file)) {
                return MAPPER.readTree(s);
            }
        } catch (IOException e) {
            throw new AlloException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a table of a complete output.
     *
     * @param spark the session
     * @param out the output directory
     * @param job the job that must have written it ({@code sample}, {@code score}, {@code reference},
     *     {@code evaluate})
     * @param table the table's name
     * @return its rows (Parquet)
     * @throws IllegalArgumentException if the output is incomplete or another job's
     */
    public static Dataset<Row> read(SparkSession spark, String out, String job, String table) {
        JsonNode m = manifest(spark, out);
        if (!job.equals(m.path("job").asText())) {
            throw new IllegalArgumentException(out + " holds the output of job '" + m.path("job").asText()
                    + "', expected '" + job + "'");
        }
        Dataset<Row> rows = spark.read().parquet(new Path(new Path(out, table), "parquet").toString());
        long expected = m.path(table + "Rows").asLong(-1);
        return rows.count() == expected ? rows : failCount(out, table, expected, rows.count());
    }

    private static Dataset<Row> failCount(String out, String table, long expected, long actual) {
        throw new IllegalArgumentException(out + ": table " + table + " has " + actual + " rows, its manifest says "
                + expected);
    }
}
