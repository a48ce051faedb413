package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.ReferenceLogProbs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The reference job against the single-process computation of the same batches, and across partition counts. */
class ReferenceJobTest {
    private static final List<PreferenceExample> PAIRS = SparkTestSupport.pairs(11);

    @Test
    void equalsTheSingleProcessComputationBitForBitAndIgnoresPartitioning() {
        SparkSession spark = SparkTestSupport.spark();
        String model = SparkTestSupport.modelDir(11);
        String input = SparkTestSupport.pairsJsonl("reference-pairs.jsonl", PAIRS).toString();
        JobSettings job = JobSettings.of(model).withBatchSize(3);

        ReferenceJob.Result one = ReferenceJob.run(spark, input, SparkTestSupport.out("ref1"), job.withPartitions(1));
        int loads = ModelCache.loads();
        ReferenceJob.Result three = ReferenceJob.run(spark, input, SparkTestSupport.out("ref3"),
                job.withPartitions(3));
        assertThat(ModelCache.loads()).as("the model is loaded once per JVM, not per task").isEqualTo(loads);
        assertThat(one.pairs()).isEqualTo(PAIRS.size());
        assertThat(one.rejects()).isZero();

        Map<Long, float[][]> a = read(spark, one.output());
        Map<Long, float[][]> b = read(spark, three.output());
        Map<Long, float[][]> expected = singleProcess(ModelCache.get(model), job);
        assertThat(a.keySet()).isEqualTo(expected.keySet());
        for (long i : expected.keySet()) {
            for (int side = 0; side < 2; side++) {
                assertThat(a.get(i)[side]).as("pair %d side %d, 1 partition", i, side)
                        .containsExactly(expected.get(i)[side]);
                assertThat(b.get(i)[side]).as("pair %d side %d, 3 partitions", i, side)
                        .containsExactly(expected.get(i)[side]);
            }
        }
    }

    @Test
    void otherBatchCompositionsAgreeToWithinPaddingNoise() {
        // The pipeline batches pairs in index order; the job by length. Padding changes the shapes of the matrix
        // products, so float32 sums may round differently: equal to 1e-6, not bit for bit.
        SparkSession spark = SparkTestSupport.spark();
        String model = SparkTestSupport.modelDir(11);
        String input = SparkTestSupport.pairsJsonl("reference-pairs-b.jsonl", PAIRS).toString();
        JobSettings job = JobSettings.of(model).withBatchSize(4).withPartitions(2);
        Map<Long, float[][]> spark4 = read(spark, ReferenceJob.run(spark, input, SparkTestSupport.out("refb"), job)
                .output());
        List<TokenizedPair> pairs = PipelineCaches.encode(PAIRS, SparkTestSupport.TOKENIZER, 512, 256);
        ReferenceLogProbs pipeline = ReferenceLogProbs.compute(ModelCache.get(model), pairs, 2,
                TokenLogProbs.unchunked(), PreferenceCollator.padIdFor(SparkTestSupport.TOKENIZER), "pipeline");
        for (TokenizedPair p : pairs) {
            float[] c = pipeline.chosen(p.index());
            float[] r = pipeline.rejected(p.index());
            for (int j = 0; j < c.length; j++) {
                assertThat((double) spark4.get(p.index())[0][j]).isCloseTo(c[j],
                        org.assertj.core.data.Offset.offset(1e-6));
            }
            for (int j = 0; j < r.length; j++) {
                assertThat((double) spark4.get(p.index())[1][j]).isCloseTo(r[j],
                        org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    /** The same batches, computed in this process without Spark. */
    private static Map<Long, float[][]> singleProcess(DecoderModel model, JobSettings job) {
        List<TokenizedPair> pairs = PipelineCaches.encode(PAIRS, SparkTestSupport.TOKENIZER, 512, 256);
        List<LengthBatches.Sized<TokenizedPair>> sized = new ArrayList<>();
        for (TokenizedPair p : pairs) {
            sized.add(new LengthBatches.Sized<>(p, p.index(),
                    p.promptIds().length + Math.max(p.chosenIds().length, p.rejectedIds().length)));
        }
        Map<Long, float[][]> out = new HashMap<>();
        for (List<TokenizedPair> batch : LengthBatches.local(sized, job.batchSize())) {
            ReferenceLogProbs v = ReferenceLogProbs.compute(model, batch, batch.size(), TokenLogProbs.unchunked(),
                    PreferenceCollator.padIdFor(SparkTestSupport.TOKENIZER), "local");
            for (TokenizedPair p : batch) {
                out.put(p.index(), new float[][] {v.chosen(p.index()), v.rejected(p.index())});
            }
        }
        return out;
    }

    static Map<Long, float[][]> read(SparkSession spark, String output) {
        Map<Long, float[][]> out = new HashMap<>();
        for (Row r : JobOutput.read(spark, output, ReferenceJob.NAME, "reference").collectAsList()) {
            out.put(r.getLong(0), new float[][] {PairBatches.unboxed(r.getList(1)), PairBatches.unboxed(r.getList(2))});
        }
        return out;
    }
}
