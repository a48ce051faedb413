package dev.allo.examples.bench;

import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.TruncationPolicy;
import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import dev.allo.impl.data.JsonlPreferenceReader;
import dev.allo.impl.data.JsonlPreferenceWriter;
import dev.allo.impl.data.PairEncoder;
import dev.allo.tokenizer.ByteTokenizer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Reads and tokenises a generated JSONL file of preference pairs with the byte tokenizer, streaming, and reports
 * pairs per second and the peak heap.
 *
 * <p>Usage: {@code DataBenchmark [pairs=100000] [bytesPerPair=1000] [repeats=3]}. The file is generated first into
 * a temporary folder (not timed) and deleted afterwards. Run with a small heap (for example {@code -Xmx64m}) to show
 * that memory stays bounded: the reader holds one line at a time and tokenised pairs are consumed as they come (only
 * their token count is kept).
 */
public final class DataBenchmark {

    private static final String NAME = "data";

    private DataBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args {@code [pairs] [bytesPerPair] [repeats]}
     * @throws IOException if the temporary file cannot be written
     */
    public static void main(String[] args) throws IOException {
        run(BenchArgs.intAt(args, 0, "pairs", 100_000), BenchArgs.intAt(args, 1, "bytesPerPair", 1000),
                BenchArgs.intAt(args, 2, "repeats", 3));
    }

    /**
     * Generates the file, reads and tokenises it {@code repeats} times, prints each run, and returns the median
     * pairs per second (target: at least 20,000) and the peak heap used over the timed runs (no target: it is the
     * whole JVM's heap, so it includes whatever else the JVM holds, e.g. Maven's own objects under
     * {@code exec:java}).
     *
     * @param pairs pairs in the file
     * @param bytesPerPair approximate bytes per JSONL line
     * @param repeats timed read+tokenise runs
     * @return the key figures
     * @throws IOException if the temporary file cannot be written
     */
    public static List<BenchmarkFigure> run(int pairs, int bytesPerPair, int repeats) throws IOException {
        Path dir = Files.createTempDirectory("allo-data-bench");
        Path file = dir.resolve("pairs.jsonl");
        try {
            long t0 = System.nanoTime();
            JsonlPreferenceWriter.writeAll(file, () -> generate(pairs, bytesPerPair));
            System.out.printf("generated %,d pairs, %,d bytes (%.0f bytes per line) in %.1f s%n", pairs,
                    Files.size(file), Files.size(file) / (double) pairs, BenchStats.secondsSince(t0));
            resetPeaks();
            double[] rates = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                rates[r] = readOnce(file, pairs);
            }
            double peakMiB = peakHeapBytes() / 1048576.0;
            double maxMiB = Runtime.getRuntime().maxMemory() / 1048576.0;
            System.out.printf("peak heap used over the timed runs: %.1f MiB (max heap %.0f MiB)%n", peakMiB, maxMiB);
            return List.of(
                    BenchmarkFigure.checked(NAME, String.format(Locale.ROOT,
                            "read+tokenise %,d pairs of ~%,d bytes (median of %d runs)", pairs, bytesPerPair,
                            repeats), BenchStats.median(rates), "pairs/s", Comparison.AT_LEAST, 20_000),
                    BenchmarkFigure.informational(NAME, String.format(Locale.ROOT,
                            "peak heap used while reading, whole JVM (max heap %.0f MiB)", maxMiB), peakMiB, "MiB"));
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** Reads and tokenises the file once, prints the run, and returns pairs per second. */
    private static double readOnce(Path file, int expected) {
        PairEncoder encoder = new PairEncoder(ByteTokenizer.create(), TruncationPolicy.of(2048, 1024));
        DropLog drops = new DropLog();
        long tokens = 0;
        long count = 0;
        long t0 = System.nanoTime();
        try (JsonlPreferenceReader reader = JsonlPreferenceReader.open(file, ReadOptions.defaults())) {
            Iterator<dev.allo.data.TokenizedPair> it = encoder.encodeAll(reader, drops).iterator();
            while (it.hasNext()) {
                dev.allo.data.TokenizedPair p = it.next();
                tokens += p.chosenLength() + p.rejectedLength();
                count++;
            }
        }
        double s = BenchStats.secondsSince(t0);
        if (count + drops.count() != expected) {
            throw new IllegalStateException("read " + count + " pairs and dropped " + drops.count() + ", expected "
                    + expected);
        }
        System.out.printf("read+tokenised %,d pairs (%,d tokens, %d dropped) in %.2f s: %,.0f pairs/s%n", count,
                tokens, drops.count(), s, count / s);
        return count / s;
    }

    // ASCII-heavy text with some multi-byte characters, about bytesPerPair bytes per JSONL line.
    private static Iterator<PreferenceExample> generate(int pairs, int bytesPerPair) {
        Random rng = new Random(7);
        String[] words = {"the", "answer", "is", "let's", "think", "step", "by", "so", "x", "=", "42", "über",
            "naïve", "π", "≤", "数学", "🙂", "\n"};
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < pairs;
            }

            @Override
            public PreferenceExample next() {
                int each = Math.max(1, (bytesPerPair - 90) / 4); // about 90 bytes of JSON keys and id per line
                PreferenceExample e = PreferenceExample.of(text(each, rng), text(each, rng), text(each, rng))
                        .withReference(text(each, rng)).withId("pair-" + i);
                i++;
                return e;
            }

            private String text(int bytes, Random r) {
                StringBuilder sb = new StringBuilder(bytes + 16);
                int utf8 = 0;
                while (utf8 < bytes) {
                    String w = words[r.nextInt(words.length)];
                    sb.append(w).append(' ');
                    utf8 += w.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + ("\n".equals(w) ? 2 : 1);
                }
                return sb.toString();
            }
        };
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
