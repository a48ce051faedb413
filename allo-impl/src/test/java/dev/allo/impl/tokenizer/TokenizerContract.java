package dev.allo.impl.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.allo.fixtures.data.DataGenerators;
import dev.allo.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The {@link Tokenizer} contract, run against every implementation by a subclass. */
abstract class TokenizerContract {

    /**
     * The tokenizer under test (created per test).
     *
     * @return the tokenizer
     */
    abstract Tokenizer tokenizer();

    @Test
    void roundTripsRandomUnicodeExactly() {
        Tokenizer t = tokenizer();
        qt().withFixedSeed(5).withExamples(300).forAll(DataGenerators.unicodeStrings(0, 40))
                .checkAssert(s -> assertThat(t.decode(t.encode(s))).isEqualTo(s));
    }

    @Test
    void encodeAddsNoSpecialTokensAndStaysInTheVocabulary() {
        Tokenizer t = tokenizer();
        qt().withFixedSeed(6).withExamples(200).forAll(DataGenerators.unicodeStrings(0, 30)).checkAssert(s -> {
            int[] ids = t.encode(s);
            assertThat(Arrays.stream(ids).boxed().toList()).allSatisfy(id -> assertThat(id).isBetween(0, t.vocabSize() - 1));
            assertThat(ids).doesNotContain(t.bosId().getAsInt(), t.eosId().getAsInt(), t.padId().getAsInt());
        });
    }

    @Test
    void decodeSkipsSpecialTokens() {
        Tokenizer t = tokenizer();
        int bos = t.bosId().getAsInt();
        int eos = t.eosId().getAsInt();
        int pad = t.padId().getAsInt();
        qt().withFixedSeed(7).withExamples(100).forAll(DataGenerators.unicodeStrings(1, 20)).checkAssert(s -> {
            int[] body = t.encode(s);
            int[] wrapped = IntStream.concat(IntStream.concat(IntStream.of(pad, bos), Arrays.stream(body)),
                    IntStream.of(eos, pad)).toArray();
            assertThat(t.decode(wrapped)).isEqualTo(s);
        });
    }

    @Test
    void doesNotTruncateLongText() {
        Tokenizer t = tokenizer();
        String text = "the quick brown fox jumps over the lazy dog; ".repeat(200); // 9,000 characters
        int[] ids = t.encode(text);
        assertThat(ids.length).isGreaterThan(2000);
        assertThat(t.decode(ids)).isEqualTo(text);
    }

    @Test
    void specialTokensAreDistinctAndInTheVocabulary() {
        Tokenizer t = tokenizer();
        int[] specials = {t.bosId().getAsInt(), t.eosId().getAsInt(), t.padId().getAsInt()};
        assertThat(Arrays.stream(specials).distinct().count()).isEqualTo(3);
        assertThat(Arrays.stream(specials).boxed().toList()).allSatisfy(id -> assertThat(id).isBetween(0, t.vocabSize() - 1));
    }

    @Test
    void emptyTextIsNoTokensAndIdentityIsStable() {
        Tokenizer t = tokenizer();
        assertThat(t.encode("")).isEmpty();
        assertThat(t.decode(new int[0])).isEmpty();
        assertThat(t.identity()).isNotBlank().isEqualTo(tokenizer().identity());
    }
}
