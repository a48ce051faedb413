package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.model.DecoderModel;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.scorer.RewriteScorerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * ALLO's forgetting stage (token NPO with Eq. 5 rewards from a rewriter, against the reference of its starting
 * model) run twice from the same initial weights: once computing its reference log-probs and token rewards itself,
 * once reading them from the Spark jobs' outputs. The trained weights are identical bit for bit.
 */
class PipelineFromSparkTest {
    private static final List<PreferenceExample> PAIRS = SparkTestSupport.pairs(8);
    private static final double THRESHOLD = 0.004;

    private static TrainingConfig training() {
        // Micro-batches of one pair: the pipeline's reference batches are then single pairs, as the job's.
        return TrainingConfig.defaults().withLearningRate(1e-2).withBatchSize(2, 1).withEpochs(1)
                .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0.0);
    }

    private static ForgetConfig forget() {
        ForgetConfig d = ForgetConfig.defaults();
        return new ForgetConfig(d.neuronRatio(), THRESHOLD, d.beta(), d.rewards(), training());
    }

    private static AlignmentBuilder builder(DecoderModel model, DecoderModel rewriter, Path out) {
        return Allo.builder().model(model).tokenizer(SparkTestSupport.TOKENIZER).data(PAIRS)
                .locateNeurons(LocateConfig.random(5))
                .forget(forget())
                .rewriter(rewriter).outputDirectory(out);
    }

    @Test
    void aRunReadingSparkOutputsTrainsExactlyAsARunComputingThem() throws IOException {
        SparkSession spark = SparkTestSupport.spark();
        String policyDir = SparkTestSupport.modelDir(21);
        String rewriterDir = SparkTestSupport.modelDir(22);
        Path root = SparkTestSupport.root().resolve("pipeline-" + System.nanoTime());
        String input = SparkTestSupport.pairsJsonl("pipeline-pairs.jsonl", PAIRS).toString();

        Map<String, float[]> computed;
        try (DecoderModel model = SparkTestSupport.tinyModel(21); DecoderModel rewriter = SparkTestSupport.tinyModel(22)) {
            builder(model, rewriter, root.resolve("computed")).build().run();
            computed = weights(model);
        }

        JobSettings job = JobSettings.of(policyDir).withBatchSize(1).withPartitions(2);
        ScoreJob.Settings scoring = ScoreJob.Settings.of(THRESHOLD, RewriteScorerConfig.defaults().template());
        String scores = ScoreJob.run(spark, input, root.resolve("scores").toString(),
                job.withModel(rewriterDir).withBatchSize(8), scoring).output();
        String reference = ReferenceJob.run(spark, input, root.resolve("reference").toString(), job).output();
        Path caches = root.resolve("caches");
        try (DecoderModel model = SparkTestSupport.tinyModel(21); DecoderModel rewriter = SparkTestSupport.tinyModel(22)) {
            PipelineCaches.writeScores(spark, scores, PAIRS, SparkTestSupport.TOKENIZER, rewriter, scoring, 512, 256,
                    caches);
            PipelineCaches.writeReference(spark, reference, PAIRS, SparkTestSupport.TOKENIZER, model, 512, 256,
                    caches);
            builder(model, rewriter, root.resolve("from-spark")).precomputedCaches(caches).build().run();
            Map<String, float[]> fromSpark = weights(model);
            assertThat(fromSpark.keySet()).isEqualTo(computed.keySet());
            for (String name : computed.keySet()) {
                assertThat(fromSpark.get(name)).as(name).containsExactly(computed.get(name));
            }
        }
        // The run read both files instead of computing them: its own cache directory stayed empty.
        Path own = root.resolve("from-spark").resolve("cache");
        try (Stream<Path> files = Files.exists(own) ? Files.list(own) : Stream.empty()) {
            assertThat(files.toList()).isEmpty();
        }
        try (Stream<Path> files = Files.list(root.resolve("computed").resolve("cache"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            try (Stream<Path> ours = Files.list(caches)) {
                assertThat(ours.map(p -> p.getFileName().toString()).sorted().toList())
                        .as("the same fingerprints").isEqualTo(names);
            }
        }
    }

    private static Map<String, float[]> weights(DecoderModel model) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        model.parameters().forEach((name, array) -> out.put(name, array.toFloatArray()));
        return out;
    }
}
