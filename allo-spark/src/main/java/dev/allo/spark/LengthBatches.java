package dev.allo.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import scala.Tuple2;

/**
 * Groups rows into batches whose composition depends on the rows only, not on how Spark partitions them: all rows
 * are sorted by {@code (length, index)} (so a batch holds rows of similar length and little padding), ranked
 * {@code 0, 1, 2, ...} in that order, and row {@code r} goes to batch {@code r / batchSize}. A batch is one group
 * of a shuffle, its rows in rank order; {@code partitions} only decides which task runs which batches.
 *
 * <p>The same batches computed by one process give bit-identical values on the CPU, which is what the tests
 * compare against; changing the number of partitions changes nothing.
 */
public final class LengthBatches {
    private static final long MAX_INDEX = (1L << 40) - 1;
    private static final long MAX_LENGTH = (1L << 23) - 1;

    private LengthBatches() {}

    /**
     * A row with a length (tokens) and an index.
     *
     * @param <T> the row type
     * @param row the row
     * @param index its index, in {@code [0, 2^40)}
     * @param length its length in tokens, in {@code [0, 2^23)}
     */
    public record Sized<T>(T row, long index, int length) implements Serializable {

        /** Checks the ranges the sort key needs. */
        public Sized {
            if (index < 0 || index > MAX_INDEX) {
                throw new IllegalArgumentException("row index " + index + " outside [0, 2^40)");
            }
            if (length < 0 || length > MAX_LENGTH) {
                throw new IllegalArgumentException("row " + index + " has length " + length + " outside [0, 2^23)");
            }
        }

        long key() {
            return ((long) length << 40) | index;
        }
    }

    /**
     * The batches of a data set.
     *
     * @param rows the rows with their lengths and indices (indices distinct)
     * @param batchSize rows per batch, at least 1
     * @param partitions how many tasks run the batches, at least 1
     * @param <T> the row type
     * @return the batches, each in {@code (length, index)} order
     */
    public static <T> JavaRDD<List<T>> of(JavaRDD<Sized<T>> rows, int batchSize, int partitions) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        Function<Sized<T>, Long> key = Sized::key;
        return rows.sortBy(key, true, partitions)
                .zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2() / batchSize, t._1()))
                .groupByKey(partitions)
                .map(group -> {
                    List<Sized<T>> batch = new ArrayList<>();
                    group._2().forEach(batch::add);
                    batch.sort(Comparator.comparingLong(Sized::key));
                    List<T> out = new ArrayList<>(batch.size());
                    batch.forEach(s -> out.add(s.row()));
                    return out;
                });
    }

    /**
     * The same batches for rows in one process: sorted by {@code (length, index)}, cut every {@code batchSize}.
     *
     * @param rows the rows
     * @param batchSize rows per batch
     * @param <T> the row type
     * @return the batches
     */
    public static <T> List<List<T>> local(List<Sized<T>> rows, int batchSize) {
        List<Sized<T>> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(Sized::key));
        List<List<T>> out = new ArrayList<>();
        for (int from = 0; from < sorted.size(); from += batchSize) {
            List<T> batch = new ArrayList<>();
            sorted.subList(from, Math.min(sorted.size(), from + batchSize)).forEach(s -> batch.add(s.row()));
            out.add(batch);
        }
        return out;
    }
}
