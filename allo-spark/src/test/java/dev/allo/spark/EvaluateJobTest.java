package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.PreferenceEvaluator;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Evaluation metrics against the library's evaluator and a single-process greedy run. */
class EvaluateJobTest {
    private static final List<PreferenceExample> PAIRS = SparkTestSupport.pairs(10);

    @Test
    void pairMetricsMatchThePreferenceEvaluatorAndGreedyAccuracyTheSingleProcessRun() {
        SparkSession spark = SparkTestSupport.spark();
        String policyDir = SparkTestSupport.modelDir(31);
        String referenceDir = SparkTestSupport.modelDir(32);
        String pairs = SparkTestSupport.pairsJsonl("evaluate-pairs.jsonl", PAIRS).toString();
        Path prompts = SparkTestSupport.root().resolve("evaluate-prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add("{\"prompt\": \"" + i + "+" + i + "=\", \"answer\": " + (2 * i) + "}");
        }
        SparkTestSupport.write(prompts, lines);
        ResponseChecker firstCharIsDigit = (p, answer, response) -> !response.isEmpty()
                && Character.isDigit(response.charAt(0)) == (Integer.parseInt(answer) % 4 == 0);
        JobSettings job = JobSettings.of(policyDir).withBatchSize(3);
        SampleJob.Settings greedy = SampleJob.Settings.greedy(5, firstCharIsDigit);

        Map<String, Double> m1 = EvaluateJob.run(spark, pairs, prompts.toString(), SparkTestSupport.out("eval1"),
                job.withPartitions(1), referenceDir, greedy).metrics();
        Map<String, Double> m3 = EvaluateJob.run(spark, pairs, prompts.toString(), SparkTestSupport.out("eval3"),
                job.withPartitions(3), referenceDir, greedy).metrics();
        assertThat(m3.get("rewards/accuracies")).isEqualTo(m1.get("rewards/accuracies"));
        assertThat(m3.get("greedy/accuracy")).isEqualTo(m1.get("greedy/accuracy"));
        // Sums over pairs in another order: equal to the last bits of a double.
        assertThat(m3.get("logps/chosen")).isCloseTo(m1.get("logps/chosen"), within(1e-9));

        // The library's evaluator: DPO's metrics over the whole set as one batch.
        DecoderModel policy = ModelCache.get(policyDir);
        List<TokenizedPair> encoded = PipelineCaches.encode(PAIRS, SparkTestSupport.TOKENIZER, 512, 256);
        int pad = PreferenceCollator.padIdFor(SparkTestSupport.TOKENIZER);
        ReferenceLogProbs reference = ReferenceLogProbs.compute(ModelCache.get(referenceDir), encoded,
                encoded.size(), TokenLogProbs.unchunked(), pad, "reference");
        Map<String, Double> expected = PreferenceEvaluator.evaluate(policy,
                PreferenceObjective.of(ObjectiveConfig.Dpo.defaults()), encoded, reference, encoded.size(),
                TokenLogProbs.unchunked(), pad);
        // The evaluator reports float32 metrics: 3/10 comes back as 0.30000001192092896.
        assertThat(m1.get("rewards/accuracies")).isCloseTo(expected.get("rewards/accuracies"), within(1e-7));
        assertThat(m1.get("rewards/accuracies")).isStrictlyBetween(0.0, 1.0);
        // The evaluator sums token log-probs in float32, the job in double: equal to 1e-6 relative.
        assertThat(m1.get("logps/chosen")).isCloseTo(expected.get("logps/chosen"),
                within(1e-6 * Math.abs(expected.get("logps/chosen"))));
        assertThat(m1.get("logps/rejected")).isCloseTo(expected.get("logps/rejected"),
                within(1e-6 * Math.abs(expected.get("logps/rejected"))));

        // Greedy accuracy: the same batches decoded in this process.
        List<LengthBatches.Sized<SampleJob.Task>> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            PromptRow row = new PromptRow(i, i + "+" + i + "=", String.valueOf(2 * i), null);
            tasks.add(new LengthBatches.Sized<>(new SampleJob.Task(row, 0, 0), i,
                    Prompts.ids(SparkTestSupport.TOKENIZER, row.prompt()).length));
        }
        int correct = 0;
        for (List<SampleJob.Task> batch : LengthBatches.local(tasks, job.batchSize())) {
            List<int[]> out = SampleJob.generate(policy, SparkTestSupport.TOKENIZER, batch, greedy.generation());
            for (int i = 0; i < batch.size(); i++) {
                PromptRow row = batch.get(i).prompt();
                correct += firstCharIsDigit.isCorrect(row.prompt(), row.answer(),
                        Prompts.decode(SparkTestSupport.TOKENIZER, out.get(i))) ? 1 : 0;
            }
        }
        assertThat(m1.get("greedy/accuracy")).isEqualTo(correct / 6.0);
    }
}
