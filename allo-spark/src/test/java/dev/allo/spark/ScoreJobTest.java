package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.scorer.RewriteModelTokenScorer;
import dev.allo.scorer.RewriteScorerConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The score job (Eq. 5) against the library's scorer on the same batches, and across partition counts. */
class ScoreJobTest {
    private static final List<PreferenceExample> PAIRS = SparkTestSupport.pairs(9);

    @Test
    void equalsTheLibraryScorerBitForBitAndIgnoresPartitioning() {
        SparkSession spark = SparkTestSupport.spark();
        String rewriter = SparkTestSupport.modelDir(12);
        String input = SparkTestSupport.pairsJsonl("score-pairs.jsonl", PAIRS).toString();
        JobSettings job = JobSettings.of(rewriter).withBatchSize(4);
        // A threshold inside the random model's probabilities, so that both rewards occur.
        // A short rewrite prompt keeps the test fast; the pipeline test uses Table 6's.
        ScoreJob.Settings settings = ScoreJob.Settings.of(0.004, dev.allo.data.PromptTemplate.of("compact",
                "P:{problem} S:{solution} W:{prediction} C:"));

        ScoreJob.Result one = ScoreJob.run(spark, input, SparkTestSupport.out("score1"), job.withPartitions(1),
                settings);
        ScoreJob.Result three = ScoreJob.run(spark, input, SparkTestSupport.out("score3"), job.withPartitions(3),
                settings);
        Map<Long, Row> a = read(spark, one.output());
        Map<Long, Row> b = read(spark, three.output());

        List<TokenizedPair> pairs = PipelineCaches.encode(PAIRS, SparkTestSupport.TOKENIZER, 512, 256);
        List<LengthBatches.Sized<TokenizedPair>> sized = new ArrayList<>();
        for (TokenizedPair p : pairs) {
            sized.add(new LengthBatches.Sized<>(p, p.index(),
                    p.promptIds().length + Math.max(p.chosenIds().length, p.rejectedIds().length)));
        }
        DecoderModel model = ModelCache.get(rewriter);
        int ones = 0;
        int zeros = 0;
        for (List<TokenizedPair> batch : LengthBatches.local(sized, job.batchSize())) {
            RewriteScorerConfig config = new RewriteScorerConfig(settings.threshold(), settings.template(),
                    batch.size());
            List<double[]> p = new RewriteModelTokenScorer(model, SparkTestSupport.TOKENIZER, config)
                    .probabilities(batch);
            for (int i = 0; i < batch.size(); i++) {
                long index = batch.get(i).index();
                float[] rewards = config.rewards(p.get(i));
                for (Map<Long, Row> out : List.of(a, b)) {
                    Row r = out.get(index);
                    assertThat(PairBatches.unboxed(r.getList(1))).as("rewards of pair %d", index)
                            .containsExactly(rewards);
                    assertThat(doubles(r.getList(2))).as("p_j of pair %d", index).containsExactly(p.get(i));
                }
                for (float v : rewards) {
                    ones += v == 1f ? 1 : 0;
                    zeros += v == 0f ? 1 : 0;
                }
            }
        }
        assertThat(ones).as("tokens the rewriter would change").isPositive();
        assertThat(zeros).as("tokens the rewriter would keep").isPositive();
        assertThat(a.keySet()).hasSize(PAIRS.size());
    }

    private static double[] doubles(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static Map<Long, Row> read(SparkSession spark, String output) {
        Map<Long, Row> out = new HashMap<>();
        for (Row r : JobOutput.read(spark, output, ScoreJob.NAME, "scores").collectAsList()) {
            out.put(r.getLong(0), r);
        }
        return out;
    }
}
