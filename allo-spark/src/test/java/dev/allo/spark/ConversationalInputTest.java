package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.chat.ModelChatTemplate;
import dev.allo.impl.data.JsonlPreferenceReader;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.ReferenceLogProbs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * TRL's conversational JSONL (explicit prompt as messages, and the implicit-prompt form) in a job: rendered with the
 * model's chat template exactly as the pipeline reads the same file with {@link ModelChatTemplate#readOptions}, so
 * the reference job's log-probs equal the single-process computation on the pipeline's pairs bit for bit.
 */
class ConversationalInputTest {
    private static final String TEMPLATE = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}"
            + "{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

    @Test
    void conversationalRowsGiveThePipelinesPairsAndLogProbs() throws IOException {
        SparkSession spark = SparkTestSupport.spark();
        Path model = chatModel();
        Path input = SparkTestSupport.root().resolve("conversational.jsonl");
        SparkTestSupport.write(input, List.of(
                "{\"prompt\": [{\"role\": \"system\", \"content\": \"Add.\"}, {\"role\": \"user\", \"content\":"
                        + " \"2+3=\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"5\"}], \"rejected\":"
                        + " [{\"role\": \"assistant\", \"content\": \"6, I think\"}]}",
                "{\"chosen\": [{\"role\": \"user\", \"content\": \"7+1=\"}, {\"role\": \"assistant\", \"content\":"
                        + " \"8\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"7+1=\"}, {\"role\":"
                        + " \"assistant\", \"content\": \"9\"}]}",
                "{\"prompt\": \"1+1=\", \"chosen\": \"2\", \"rejected\": \"3\"}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"4+4=\"}], \"chosen\": [{\"role\":"
                        + " \"assistant\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"9\"}]}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"9+9=\"}], \"chosen\": [{\"role\": \"assistant\","
                        + " \"content\": \"18\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"19\"}]}"));
        ReadOptions chat = ModelChatTemplate.readOptions(model);
        List<PreferenceExample> good = List.of(0, 1, 2, 4).stream().map(i -> line(input, i, chat)).toList();
        assertThat(good.get(0).prompt()).as("the chat template rendered the prompt")
                .isEqualTo("<system>Add.</s><user>2+3=</s><assistant>");
        assertThat(good.get(1).prompt()).as("the implicit prompt").isEqualTo("<user>7+1=</s><assistant>");

        JobSettings job = JobSettings.of(model.toString()).withBatchSize(1).withPartitions(2);
        ReferenceJob.Result result = ReferenceJob.run(spark, input.toString(), SparkTestSupport.out("chat"), job);
        assertThat(result.pairs()).isEqualTo(4);
        assertThat(result.rejects()).isEqualTo(1);
        Row reject = JobOutput.read(spark, result.output(), ReferenceJob.NAME, "rejects").first();
        assertThat(reject.getLong(0)).isEqualTo(4);
        assertThat(reject.getString(2)).isEqualTo(input + ":4: field 'chosen[0].content': expected a string, got nothing");

        Map<Long, float[][]> job1 = ReferenceJobTest.read(spark, result.output());
        List<TokenizedPair> pairs = PipelineCaches.encode(good, SparkTestSupport.TOKENIZER, 512, 256);
        long[] indices = {0, 1, 2, 4};
        for (int k = 0; k < pairs.size(); k++) {
            TokenizedPair p = pairs.get(k);
            ReferenceLogProbs expected = ReferenceLogProbs.compute(ModelCache.get(model.toString()), List.of(p), 1,
                    TokenLogProbs.unchunked(), PreferenceCollator.padIdFor(SparkTestSupport.TOKENIZER), "local");
            assertThat(job1.get(indices[k])[0]).as("chosen of row %d", indices[k])
                    .containsExactly(expected.chosen(p.index()));
            assertThat(job1.get(indices[k])[1]).as("rejected of row %d", indices[k])
                    .containsExactly(expected.rejected(p.index()));
        }
    }

    /** The pipeline's reading of one line (0-based) of the file. */
    private static PreferenceExample line(Path file, int i, ReadOptions options) {
        try {
            return JsonlPreferenceReader.parseLine(file, i + 1, Files.readAllLines(file).get(i), options);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The tiny test model with a chat template in its tokenizer_config.json. */
    private static Path chatModel() throws IOException {
        Path dir = SparkTestSupport.root().resolve("chat-model");
        if (!Files.isDirectory(dir)) {
            Path source = Path.of(SparkTestSupport.modelDir(11));
            Files.createDirectories(dir);
            try (var files = Files.list(source)) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            Files.writeString(dir.resolve(ModelChatTemplate.TOKENIZER_CONFIG), "{\"eos_token\": \"</s>\","
                    + " \"chat_template\": " + SparkTestSupport.json(TEMPLATE) + "}");
        }
        return dir;
    }
}
