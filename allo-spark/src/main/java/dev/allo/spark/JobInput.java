package dev.allo.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.data.MalformedDataException;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.data.JsonlPreferenceReader;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Reads a job's rows from JSONL ({@code .jsonl}, {@code .json}, or a directory of them) or Parquet ({@code .parquet}
 * or a directory with {@code .parquet} in its name): one JSON object or Parquet row per prompt or pair.
 *
 * <p>A row's index is its {@code index} field when it has one, otherwise its position among the non-blank lines
 * (JSONL) or rows (Parquet) in file order, counted from 0: the index the single-machine pipeline gives the pair when
 * it reads the same file. (For a directory of several files, give every row an {@code index}: the order of files is
 * Spark's.) A row that does not parse (invalid JSON, a missing or empty field, a field of the wrong type) is a
 * {@link Reject} with the reason, not a failed job. A Parquet file whose schema lacks a column, or has one of another
 * type, is refused before any work with an {@link IllegalArgumentException} naming the path and the column.
 * Conversational pairs (TRL's lists of messages) are read from JSONL only, see {@link #pairs}.
 */
public final class JobInput {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JobInput() {}

    /**
     * The parsed rows and the rejects of an input.
     *
     * @param rows the rows that parsed
     * @param rejects the rows that did not, with the reason
     * @param path the input path
     * @param <T> the row type
     */
    public record Read<T>(JavaRDD<T> rows, JavaRDD<Reject> rejects, String path) {

        /**
         * Fails when more than a fraction of the rows were rejected.
         *
         * @param maxFraction the largest allowed fraction of rejected rows, in [0, 1]; 1 never fails
         * @return the number of rejected rows
         * @throws IllegalArgumentException naming the input, the counts and the first reject's reason
         */
        public long checkRejects(double maxFraction) {
            long rejected = rejects.count();
            long total = rejected + rows.count();
            if (total == 0) {
                throw new IllegalArgumentException("input " + path + " has no rows");
            }
            if (rejected > maxFraction * total) {
                Reject first = rejects.take(1).get(0);
                throw new IllegalArgumentException(rejected + " of " + total + " rows of " + path
                        + " could not be used (more than the allowed fraction " + maxFraction + "); the first, line "
                        + first.line() + ": " + first.reason());
            }
            return rejected;
        }
    }

    /**
     * Reads prompts: {@code prompt} (string, required), {@code answer} (string or number) and {@code reference}
     * (string) optional.
     *
     * @param spark the session
     * @param path the input
     * @return the rows and rejects
     */
    public static Read<PromptRow> prompts(SparkSession spark, String path) {
        return read(spark, path, List.of("prompt"), List.of("answer", "reference"),
                (index, f) -> new PromptRow(index, f.text("prompt", true), f.text("answer", false),
                        f.text("reference", false)), null);
    }

    /**
     * Reads preference pairs: {@code prompt}, {@code chosen}, {@code rejected} (strings, required) and
     * {@code reference} (string, optional). A JSONL row in TRL's conversational form ({@code prompt},
     * {@code chosen}, {@code rejected} as lists of {@code {"role", "content"}} messages, or the implicit-prompt
     * form without {@code prompt}) is parsed by the pipeline's own {@link JsonlPreferenceReader#parseLine} with
     * {@link JobSettings#readOptions()} (the model's chat template), so it becomes the same pair as when the
     * pipeline reads the file; a malformed one is a reject naming the file, line and field.
     *
     * @param spark the session
     * @param path the input
     * @param job the settings whose {@link JobSettings#readOptions()} render conversations
     * @return the rows and rejects
     */
    public static Read<PairRow> pairs(SparkSession spark, String path, JobSettings job) {
        RowParser<PairRow> parser = (index, f) -> new PairRow(index, f.text("prompt", true), f.text("chosen", true),
                f.text("rejected", true), f.text("reference", false));
        return read(spark, path, List.of("prompt", "chosen", "rejected"), List.of("reference"), parser,
                (index, line, text) -> {
                    try {
                        PreferenceExample e = JsonlPreferenceReader.parseLine(java.nio.file.Path.of(path), line,
                                text, job.readOptions());
                        return new PairRow(index, e.prompt(), e.chosen(), e.rejected(), e.reference().orElse(null));
                    } catch (MalformedDataException e) {
                        throw new BadRow(e.getMessage());
                    }
                });
    }

    /** Whether a JSON row is in TRL's conversational form: a prompt or a response as a list of messages. */
    private static boolean conversational(JsonNode root) {
        return root.path("prompt").isArray() || root.path("chosen").isArray() || root.path("rejected").isArray();
    }

    /** Whether a path names Parquet (by its name) rather than JSONL. */
    static boolean isParquet(String path) {
        return path.toLowerCase(Locale.ROOT).contains(".parquet");
    }

    private static <T extends Serializable> Read<T> read(SparkSession spark, String path, List<String> required,
            List<String> optional, RowParser<T> parser, ConversationParser<T> conversations) {
        JavaRDD<Parsed<T>> parsed = isParquet(path) ? parquet(spark, path, required, optional, parser)
                : jsonl(spark, path, parser, conversations);
        parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<T> rows = parsed.filter(p -> p.row() != null).map(Parsed::row);
        JavaRDD<Reject> rejects = parsed.filter(p -> p.reject() != null).map(Parsed::reject);
        return new Read<>(rows, rejects, path);
    }

    private static <T extends Serializable> JavaRDD<Parsed<T>> jsonl(SparkSession spark, String path,
            RowParser<T> parser, ConversationParser<T> conversations) {
        Dataset<String> text;
        try {
            text = spark.read().textFile(path);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read JSONL input " + path + ": " + e.getMessage(), e);
        }
        // (line number from 1, text) of the non-blank lines, then their position among them from 0.
        return text.javaRDD().zipWithIndex()
                .filter(t -> !t._1().isBlank())
                .zipWithIndex()
                .map(t -> parseJson(t._1()._2() + 1, t._2(), t._1()._1(), parser, conversations));
    }

    private static <T extends Serializable> Parsed<T> parseJson(long line, long position, String text,
            RowParser<T> parser, ConversationParser<T> conversations) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return Parsed.rejected(Reject.of(line, text, "invalid JSON: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            return Parsed.rejected(Reject.of(line, text, "expected a JSON object"));
        }
        try {
            long index = position;
            JsonNode i = root.get("index");
            if (i != null && !i.isNull()) {
                if (!i.canConvertToExactIntegral() || i.asLong() < 0) {
                    throw new BadRow("field 'index' must be a non-negative integer, got " + i);
                }
                index = i.asLong();
            }
            if (conversations != null && conversational(root)) {
                return Parsed.of(conversations.parse(index, line, text));
            }
            return Parsed.of(parser.parse(index, (field, req) -> jsonText(root, field, req)));
        } catch (BadRow e) {
            return Parsed.rejected(Reject.of(line, text, e.getMessage()));
        }
    }

    private static String jsonText(JsonNode root, String field, boolean required) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new BadRow("missing field '" + field + "'");
            }
            return null;
        }
        if (n.isNumber() && !required) {
            return n.asText();
        }
        if (!n.isTextual()) {
            throw new BadRow("field '" + field + "' must be a string, got " + n.getNodeType().name().toLowerCase(
                    Locale.ROOT));
        }
        if (n.textValue().isEmpty()) {
            throw new BadRow("field '" + field + "' must not be empty");
        }
        return n.textValue();
    }

    private static <T extends Serializable> JavaRDD<Parsed<T>> parquet(SparkSession spark, String path,
            List<String> required, List<String> optional, RowParser<T> parser) {
        Dataset<Row> frame;
        try {
            frame = spark.read().parquet(path);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read Parquet input " + path + ": " + e.getMessage(), e);
        }
        StructType schema = frame.schema();
        List<String> names = List.of(schema.fieldNames());
        for (String column : required) {
            if (!names.contains(column)) {
                throw new IllegalArgumentException("Parquet input " + path + " has no column '" + column
                        + "' (expected string columns " + required + "); its columns are " + schema.simpleString());
            }
        }
        List<String> all = new ArrayList<>(required);
        all.addAll(optional);
        for (String column : all) {
            if (names.contains(column)) {
                DataType type = schema.apply(column).dataType();
                if (!type.equals(DataTypes.StringType)) {
                    throw new IllegalArgumentException("Parquet input " + path + ": column '" + column + "' has type "
                            + type.simpleString() + ", expected string");
                }
            }
        }
        boolean indexed = names.contains("index");
        if (indexed) {
            DataType type = schema.apply("index").dataType();
            if (!type.equals(DataTypes.LongType) && !type.equals(DataTypes.IntegerType)) {
                throw new IllegalArgumentException("Parquet input " + path + ": column 'index' has type "
                        + type.simpleString() + ", expected bigint or int");
            }
        }
        StructField[] fields = schema.fields();
        return frame.javaRDD().zipWithIndex().map(t -> {
            Row row = t._1();
            long position = t._2();
            try {
                long index = position;
                if (indexed) {
                    Object v = row.get(row.fieldIndex("index"));
                    if (v == null || ((Number) v).longValue() < 0) {
                        throw new BadRow("column 'index' must be a non-negative integer, got " + v);
                    }
                    index = ((Number) v).longValue();
                }
                return Parsed.of(parser.parse(index, (field, req) -> parquetText(row, names, field, req)));
            } catch (BadRow e) {
                return Parsed.rejected(Reject.of(position + 1, describe(row, fields), e.getMessage()));
            }
        });
    }

    private static String parquetText(Row row, List<String> names, String field, boolean required) {
        Object v = names.contains(field) ? row.get(row.fieldIndex(field)) : null;
        if (v == null) {
            if (required) {
                throw new BadRow("column '" + field + "' is null");
            }
            return null;
        }
        String s = (String) v;
        if (s.isEmpty()) {
            throw new BadRow("column '" + field + "' must not be empty");
        }
        return s;
    }

    private static String describe(Row row, StructField[] fields) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < fields.length; i++) {
            b.append(i == 0 ? "" : ", ").append(fields[i].name()).append('=').append(row.get(i));
        }
        return b.append('}').toString();
    }

    /** A field reader of one row. */
    @FunctionalInterface
    interface Fields {
        String text(String field, boolean required);
    }

    /** Builds a row from its index and fields; throws {@link BadRow} with the reason. */
    @FunctionalInterface
    interface RowParser<T> extends Serializable {
        T parse(long index, Fields fields);
    }

    /** Builds a row from a conversational JSON line; throws {@link BadRow} with the reason. */
    @FunctionalInterface
    interface ConversationParser<T> extends Serializable {
        T parse(long index, long line, String text);
    }

    /** A row that cannot be used; the message is the reason. */
    static final class BadRow extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRow(String reason) {
            super(reason, null, false, false);
        }
    }

    /** A parsed row or its reject. */
    record Parsed<T>(T row, Reject reject) implements Serializable {
        static <T> Parsed<T> of(T row) {
            return new Parsed<>(row, null);
        }

        static <T> Parsed<T> rejected(Reject reject) {
            return new Parsed<>(null, reject);
        }
    }
}
