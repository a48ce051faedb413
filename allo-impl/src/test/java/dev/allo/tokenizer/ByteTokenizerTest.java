package dev.allo.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    private final ByteTokenizer t = ByteTokenizer.create();

    @Test
    void idsAreUtf8Bytes() {
        assertThat(t.encode("aé€🙂")).containsExactly(0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x99, 0x82);
        assertThat(t.vocabSize()).isEqualTo(259);
        assertThat(t.bosId()).hasValue(256);
        assertThat(t.eosId()).hasValue(257);
        assertThat(t.padId()).hasValue(258);
    }

    @Test
    void unpairedSurrogatesAreRejected() {
        assertThatThrownBy(() -> t.encode("a\uD800b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate U+D800 at index 1");
        assertThatThrownBy(() -> t.encode("\uDC00")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void illFormedBytesDecodeToReplacementCharacters() {
        // "é" cut after its first byte, then 'a'; a stray continuation byte; a lone lead byte at the end.
        assertThat(t.decode(new int[] {0xC3, 0x61})).isEqualTo("\uFFFDa");
        assertThat(t.decode(new int[] {0x61, 0x80, 0x62})).isEqualTo("a\uFFFDb");
        assertThat(t.decode(new int[] {0x61, 0xE2, 0x82})).isEqualTo("a\uFFFD");
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        assertThatThrownBy(() -> t.decode(new int[] {1, 259})).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ids[1] must be in [0, 259), got 259");
        assertThatThrownBy(() -> t.decode(new int[] {-1})).isInstanceOf(IllegalArgumentException.class);
    }
}
