package dev.allo.impl.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token ids outside {@code [0, 2^31 - 2]} are refused at load, naming the file, the token and the id. */
class HuggingFaceJsonTokenizerIdsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path edited(Consumer<ObjectNode> edit) throws Exception {
        Path file = TinyTokenizerJson.write(dir);
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(root);
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    private static ObjectNode vocab(ObjectNode root) {
        return (ObjectNode) root.path("model").path("vocab");
    }

    @Test
    void vocabularyIdOf2To31IsRefused() throws Exception {
        Path file = edited(r -> vocab(r).put("he", 2_147_483_648L));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(file).close())
                .isInstanceOf(AlloException.class)
                .hasMessage("tokenizer file " + file + ": model.vocab token 'he' has id 2147483648; expected an"
                        + " integer in [0, 2147483646]");
    }

    @Test
    void vocabularyIdOfIntMaxWouldOverflowTheVocabularySize() throws Exception {
        Path file = edited(r -> vocab(r).put("he", Integer.MAX_VALUE));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(file).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("model.vocab token 'he' has id 2147483647");
    }

    @Test
    void addedTokenIdOf2To32Minus1IsRefusedRatherThanBecomingMinusOne() throws Exception {
        Path file = edited(r -> ((ObjectNode) r.path("added_tokens").get(0)).put("id", 4_294_967_295L));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(file).close())
                .isInstanceOf(AlloException.class)
                .hasMessage("tokenizer file " + file + ": added_tokens[0] token '<s>' has id 4294967295; expected an"
                        + " integer in [0, 2147483646]");
    }

    @Test
    void negativeFractionalAndMissingIdsAreRefused() throws Exception {
        Path negative = edited(r -> vocab(r).put("in", -1));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(negative).close())
                .hasMessageContaining("model.vocab token 'in' has id -1");
        Path fractional = edited(r -> vocab(r).put("in", 3.5));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(fractional).close())
                .hasMessageContaining("model.vocab token 'in' has id 3.5");
        Path missing = edited(r -> ((ObjectNode) r.path("added_tokens").get(1)).remove("id"));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(missing).close())
                .hasMessageContaining("added_tokens[1] token '</s>' has id nothing");
    }

    @Test
    void addedTokensThatAreNotAListAreRefused() throws Exception {
        Path file = edited(r -> r.put("added_tokens", "none"));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(file).close())
                .isInstanceOf(AlloException.class)
                .hasMessage("tokenizer file " + file + ": added_tokens must be a list, found STRING");
    }

    @Test
    void notAnObjectIsRefusedNamingTheFile() throws Exception {
        Path file = TinyTokenizerJson.write(dir);
        java.nio.file.Files.writeString(file, "[1, 2]");
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(file).close())
                .isInstanceOf(AlloException.class)
                .hasMessage("tokenizer file " + file + " must hold a JSON object, found ARRAY");
    }

    @Test
    void overLongAddedTokensAreRefusedBeforeTheSlowNativeLoad() throws Exception {
        String longToken = "x".repeat(HuggingFaceJsonTokenizer.MAX_ADDED_TOKEN_CHARS + 1);
        Path file = edited(r -> ((ObjectNode) r.path("added_tokens").get(2)).put("content", longToken));
        assertThatThrownBy(() -> HuggingFaceJsonTokenizer.load(file).close())
                .isInstanceOf(AlloException.class)
                .hasMessage("tokenizer file " + file + ": added_tokens[2].content has 4097 characters, more than the"
                        + " 4096 accepted (the tokenizers library takes time quadratic in its length to load it)");
    }

    @Test
    void theLargestAllowedIdStillGivesAnIntVocabularySize() throws Exception {
        Path file = edited(r -> vocab(r).put("zzz-not-reachable", HuggingFaceJsonTokenizer.MAX_TOKEN_ID));
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(file)) {
            assertThat(t.vocabSize()).isEqualTo(Integer.MAX_VALUE);
        }
    }
}
