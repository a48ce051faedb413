package dev.allo.impl.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HuggingFaceJsonTokenizerTest {

    @TempDir
    Path dir;

    @Test
    void findsSpecialTokensFromThePostProcessorAndMergesText() {
        Path file = TinyTokenizerJson.write(dir);
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(file)) {
            assertThat(t.bosId()).hasValue(TinyTokenizerJson.bosId());
            assertThat(t.eosId()).hasValue(TinyTokenizerJson.eosId());
            assertThat(t.padId()).hasValue(TinyTokenizerJson.padId());
            assertThat(t.vocabSize()).isEqualTo(TinyTokenizerJson.vocabSize());
            // Merges: "the" = "t" + ("h" + "e") is id 259; " the" = ("Ġ" + "t") + ("h" + "e") is id 258.
            assertThat(t.encode("the the")).containsExactly(259, 258);
            // Special-token text inside the input is recognised as the special token, not spelled out.
            assertThat(t.encode("<s>the")).containsExactly(TinyTokenizerJson.bosId(), 259);
            assertThat(t.identity()).startsWith("hf-tokenizer-json/sha256=").endsWith("/bos=264/eos=265/pad=266");
        }
    }

    @Test
    void encodesBytesLikeTheByteTokenizerWhereNoMergeApplies() {
        TinyTokenizerJson.write(dir);
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(dir)) {
            String s = "zäx€🙂";
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            int[] expected = new int[utf8.length];
            for (int i = 0; i < utf8.length; i++) {
                expected[i] = utf8[i] & 0xFF;
            }
            assertThat(t.encode(s)).containsExactly(expected);
        }
    }

    @Test
    void tokenizerConfigAndBuilderOverrideThePostProcessor() {
        TinyTokenizerJson.write(dir, false);
        TinyTokenizerJson.writeConfig(dir, "</s>", "<s>", "</s>");
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(dir)) {
            assertThat(t.bosId()).hasValue(TinyTokenizerJson.eosId());
            assertThat(t.eosId()).hasValue(TinyTokenizerJson.bosId());
            assertThat(t.padId()).hasValue(TinyTokenizerJson.eosId());
        }
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.builder(dir).bosToken("<s>").padToken("<pad>")
                .build()) {
            assertThat(t.bosId()).hasValue(TinyTokenizerJson.bosId());
            assertThat(t.padId()).hasValue(TinyTokenizerJson.padId());
        }
    }

    @Test
    void withoutPostProcessorOrConfigWellKnownNamesAreUsed() {
        TinyTokenizerJson.write(dir, false);
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(dir)) {
            assertThat(t.bosId()).hasValue(TinyTokenizerJson.bosId());
            assertThat(t.eosId()).hasValue(TinyTokenizerJson.eosId());
        }
    }

    @Test
    void aSpecialTokenOutsideTheVocabularyIsAnError() {
        TinyTokenizerJson.write(dir);
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.builder(dir).eosToken("<|eot|>").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EOS token '<|eot|>' named by the builder is not in the vocabulary");
    }

    @Test
    void aMissingFileIsAnAlloException() {
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(dir.resolve("none.json")))
                .isInstanceOf(dev.allo.AlloException.class).hasMessageContaining("none.json");
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        TinyTokenizerJson.write(dir);
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(dir)) {
            assertThatThrownBy(() -> t.decode(new int[] {1, 9999}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("ids[1] must be in [0, 267), got 9999");
        }
    }
}
