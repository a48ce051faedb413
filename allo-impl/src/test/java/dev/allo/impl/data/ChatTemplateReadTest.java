package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.DropLog;
import dev.allo.data.MalformedDataException;
import dev.allo.data.PreferenceExample;
import dev.allo.data.ReadOptions;
import dev.allo.data.ReadReport;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import dev.allo.impl.chat.ChatTemplate;
import dev.allo.impl.chat.ChatTemplateRenderer;
import dev.allo.impl.tokenizer.HuggingFaceJsonTokenizer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conversational JSONL rendered with a model's chat template: TRL's explicit- and implicit-prompt forms, the prefix
 * rule, a raising template, and BOS/EOS exactly once after tokenisation. Expected strings are written by hand from
 * the ChatML (Qwen2.5) and Mistral v3 formats.
 */
class ChatTemplateReadTest {

    private static final String SYS = "{\"role\":\"system\",\"content\":\"Be brief.\"}";
    private static final String USER = "{\"role\":\"user\",\"content\":\"2+2?\"}";
    private static final String FOUR = "{\"role\":\"assistant\",\"content\":\"4\"}";
    private static final String FIVE = "{\"role\":\"assistant\",\"content\":\"5\"}";
    private static final String QWEN_PROMPT = "<|im_start|>system\nBe brief.<|im_end|>\n"
            + "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n";

    @TempDir
    Path dir;

    private static ReadOptions with(String model) {
        try {
            Path config = Path.of(ChatTemplateReadTest.class.getResource("/chat-templates/" + model
                    + "/tokenizer_config.json").toURI());
            return ReadOptions.defaults()
                    .withRenderer(new ChatTemplateRenderer(ChatTemplate.fromTokenizerConfig(config)));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path jsonl(String... lines) throws IOException {
        return Files.writeString(dir.resolve("data.jsonl"), String.join("\n", lines) + "\n");
    }

    @Test
    void explicitPromptFormRendersPromptAndResponsesWithTheTemplate() throws IOException {
        Path file = jsonl("{\"prompt\":[" + SYS + "," + USER + "],\"chosen\":[" + FOUR + "],\"rejected\":[" + FIVE
                + "],\"id\":1}");
        PreferenceExample e = JsonlPreferenceReader.readAll(file, with("qwen2.5-7b-instruct")).get(0);
        assertThat(e.prompt()).isEqualTo(QWEN_PROMPT);
        assertThat(e.chosen()).isEqualTo("4<|im_end|>\n");
        assertThat(e.rejected()).isEqualTo("5<|im_end|>\n");
        assertThat(e.id()).hasValue("1");
    }

    @Test
    void implicitPromptFormSplitsOffTheSharedLeadingMessages() throws IOException {
        Path file = jsonl(
                "{\"chosen\":[" + SYS + "," + USER + "," + FOUR + "],\"rejected\":[" + SYS + "," + USER + "," + FIVE
                        + "],\"id\":1}",
                "{\"prompt\":[" + SYS + "," + USER + "],\"chosen\":[" + FOUR + "],\"rejected\":[" + FIVE
                        + "],\"id\":1}",
                // Multi-turn: the earlier exchange is part of the shared prompt; the responses differ in length.
                "{\"chosen\":[" + USER + "," + FIVE + ",{\"role\":\"user\",\"content\":\"Sure?\"}," + FOUR + "],"
                        + "\"rejected\":[" + USER + "," + FIVE + ",{\"role\":\"user\",\"content\":\"Sure?\"}," + FIVE
                        + ",{\"role\":\"user\",\"content\":\"ok\"}," + FIVE + "]}");
        List<PreferenceExample> read = JsonlPreferenceReader.readAll(file, with("qwen2.5-7b-instruct"));
        assertThat(read.get(0)).isEqualTo(read.get(1));
        assertThat(read.get(0).prompt()).isEqualTo(QWEN_PROMPT);
        assertThat(read.get(0).chosen()).isEqualTo("4<|im_end|>\n");
        PreferenceExample multi = read.get(2);
        assertThat(multi.prompt()).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a "
                + "helpful assistant.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n5<|im_end|>\n"
                + "<|im_start|>user\nSure?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(multi.chosen()).isEqualTo("4<|im_end|>\n");
        assertThat(multi.rejected()).isEqualTo("5<|im_end|>\n<|im_start|>user\nok<|im_end|>\n<|im_start|>assistant\n"
                + "5<|im_end|>\n");
    }

    @Test
    void implicitPromptFormNeedsASharedStartAndAResponseOnEachSide() throws IOException {
        Path file = jsonl("{\"chosen\":[" + USER + "," + FOUR + "],\"rejected\":[" + SYS + "," + USER + "," + FIVE
                + "]}", "{\"chosen\":[" + USER + "," + FOUR + "],\"rejected\":[" + USER + "," + FOUR + "]}");
        ReadOptions skip = with("qwen2.5-7b-instruct").withSkipBadLines(true);
        try (JsonlPreferenceReader r = JsonlPreferenceReader.open(file, skip)) {
            assertThat(r.hasNext()).isFalse();
            ReadReport report = r.report();
            assertThat(report.skipped()).hasSize(2);
            assertThat(report.skipped().get(0).line()).isEqualTo(1);
            assertThat(report.skipped().get(0).field()).hasValue("prompt");
            assertThat(report.skipped().get(0).reason()).contains("share no leading message");
            assertThat(report.skipped().get(1).line()).isEqualTo(2);
            assertThat(report.skipped().get(1).field()).hasValue("chosen");
            assertThat(report.skipped().get(1).reason()).contains("all 2 messages of chosen are shared with rejected");
        }
    }

    @Test
    void aPromptThatIsNoPrefixOfTheConversationNamesTheLineAndTheDifference() throws IOException {
        Path file = jsonl("{\"prompt\":[" + USER + "],\"chosen\":[" + FOUR + "],\"rejected\":[" + FIVE + "]}",
                "{\"prompt\":[" + SYS + "," + USER + "],\"chosen\":[" + FOUR + "],\"rejected\":[" + FIVE + "]}");
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(file, with("mixtral-8x22b-instruct-v0.1")))
                .isInstanceOfSatisfying(MalformedDataException.class, e -> {
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.field()).hasValue("chosen");
                    assertThat(e.getMessage()).startsWith(file + ":2: field 'chosen': chat template '")
                            .contains("is not a prefix").contains("differ at character 10")
                            .contains("the prompt has \"Be brief.\\n\\n2+2?[/INST]\"")
                            .contains("the conversation has \"2+2?[/INST] 4</s>\"");
                });
    }

    @Test
    void aRaisingTemplateNamesTheLineAndCarriesTheTemplatesMessage() throws IOException {
        Path file = jsonl("{\"prompt\":[" + USER + "],\"chosen\":[" + FOUR + "],\"rejected\":[" + FIVE + "]}", "",
                "{\"prompt\":[" + SYS + "," + USER + "],\"chosen\":[" + FOUR + "],\"rejected\":[" + FIVE + "]}");
        assertThatThrownBy(() -> JsonlPreferenceReader.readAll(file, with("gemma-2-2b-it")))
                .isInstanceOfSatisfying(MalformedDataException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.field()).hasValue("prompt");
                    assertThat(e.getMessage()).startsWith(file + ":3: field 'prompt': chat template '")
                            .endsWith("raised an exception: System role not supported");
                });
    }

    @Test
    void templateWrittenBosAndEosAppearExactlyOnceAfterEncoding() throws IOException {
        Path file = jsonl("{\"prompt\":[" + USER + "],\"chosen\":[" + FOUR + "],\"rejected\":[" + FIVE + "]}");
        PreferenceExample e = JsonlPreferenceReader.readAll(file, with("mixtral-8x22b-instruct-v0.1")).get(0);
        assertThat(e.prompt()).isEqualTo("<s>[INST] 2+2?[/INST]"); // the template writes BOS
        assertThat(e.chosen()).isEqualTo(" 4</s>"); // and EOS
        Path tokenizerDir = Files.createDirectory(dir.resolve("tok"));
        TinyTokenizerJson.write(tokenizerDir);
        try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(tokenizerDir)) {
            int bos = TinyTokenizerJson.bosId();
            int eos = TinyTokenizerJson.eosId();
            assertThat(tok.encode(e.prompt())[0]).isEqualTo(bos); // "<s>" is the BOS token, not its letters
            TokenizedPair pair = new PairEncoder(tok, TruncationPolicy.of(512, 256)).encode(0, e, new DropLog())
                    .orElseThrow();
            assertThat(pair.promptIds()[0]).isEqualTo(bos);
            assertThat(Arrays.stream(pair.promptIds()).filter(id -> id == bos).count()).isEqualTo(1);
            assertThat(Arrays.copyOfRange(pair.promptIds(), 1, pair.promptIds().length))
                    .containsExactly(tok.encode("[INST] 2+2?[/INST]"));
            assertThat(pair.chosenIds()).containsExactly(concat(tok.encode(" 4"), eos));
            assertThat(Arrays.stream(pair.rejectedIds()).filter(id -> id == eos).count()).isEqualTo(1);
        }
    }

    private static int[] concat(int[] a, int last) {
        int[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
