package dev.allo.spark;

import ai.djl.Device;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * One local[2] Spark session and two tiny saved models for every test class of the fork (a session takes seconds
 * to start). The models are random LLaMA-shaped decoders with the byte tokenizer's vocabulary.
 */
final class SparkTestSupport {
    static final Tokenizer TOKENIZER = ByteTokenizer.create();
    private static SparkSession spark;
    private static Path root;

    private SparkTestSupport() {}

    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2]").appName("allo-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop));
        }
        return spark;
    }

    /** A directory that lives until the JVM ends. */
    static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("allo-spark-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static DecoderModel tinyModel(long seed) {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(32).intermediateSize(64).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize()).build();
        return DecoderModel.random(config, Device.cpu(), seed);
    }

    /** The directory of a saved tiny model, saved once per seed. */
    static synchronized String modelDir(long seed) {
        Path dir = root().resolve("model-" + seed);
        if (!Files.isDirectory(dir)) {
            try (DecoderModel m = tinyModel(seed)) {
                DecoderCheckpoints.save(m, dir);
            }
        }
        return dir.toString();
    }

    /** Pairs of different lengths: the chosen answer is the sum, the rejected one is off by one. */
    static List<PreferenceExample> pairs(int n) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = i * 37 % 91 + 1;
            int b = i * 13 % (7 + i) + 2;
            String pad = " ".repeat(i % 4);
            out.add(PreferenceExample.of(a + "+" + b + "=" + pad, "The answer is " + (a + b),
                    "The answer is " + (a + b + 1) + (i % 3 == 0 ? " maybe" : "")).withReference("The answer is "
                    + (a + b)));
        }
        return out;
    }

    /** The pairs as the pipeline's JSONL. */
    static Path pairsJsonl(String name, List<PreferenceExample> pairs) {
        Path file = root().resolve(name);
        write(file, pairsJsonlLines(pairs));
        return file;
    }

    static List<String> pairsJsonlLines(List<PreferenceExample> pairs) {
        List<String> lines = new ArrayList<>();
        for (PreferenceExample e : pairs) {
            lines.add("{\"prompt\": " + json(e.prompt()) + ", \"chosen\": " + json(e.chosen()) + ", \"rejected\": "
                    + json(e.rejected()) + e.reference().map(r -> ", \"reference\": " + json(r)).orElse("") + "}");
        }
        return lines;
    }

    static void write(Path file, List<String> lines) {
        try {
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String out(String name) {
        return root().resolve("out-" + name + "-" + System.nanoTime()).toString();
    }
}
