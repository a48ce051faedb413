package dev.allo.examples.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.impl.data.PairEncoder;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

class WrongNumberTokenScorerTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();
    private static final String REFERENCE = "Tom has 3 apples.\n3 + 4 = 7.\n7 * 2 = 14.\nThe answer is: 14";

    private static float[] score(String rejected, String reference) {
        PreferenceExample example = PreferenceExample.of("Q: ...\nA: ", reference, rejected).withReference(reference);
        TokenizedPair pair = new PairEncoder(TOKENIZER, TruncationPolicy.none()).encode(0, example, new DropLog())
                .orElseThrow();
        return new WrongNumberTokenScorer(TOKENIZER).score(pair).rejected();
    }

    /**
     * One weight per byte of {@code text} plus the EOS (no digit, so 0): 1 on the {@code length} bytes right after
     * each anchor, the anchors being found left to right.
     */
    private static float[] expected(String text, Object... anchorsAndLengths) {
        float[] r = new float[text.length() + 1];
        int from = 0;
        for (int k = 0; k < anchorsAndLengths.length; k += 2) {
            String anchor = (String) anchorsAndLengths[k];
            int length = (Integer) anchorsAndLengths[k + 1];
            int at = text.indexOf(anchor, from);
            assertThat(at).as("anchor '%s' after %d", anchor, from).isNotNegative();
            int start = at + anchor.length();
            for (int i = start; i < start + length; i++) {
                r[i] = 1f;
            }
            from = start + length;
        }
        return r;
    }

    @Test
    void marksTheDigitsOfEveryNumberTheReferenceDoesNotHave() {
        String rejected = "Tom has 3 apples.\n3 + 4 = 8.\n8 * 2 = 16.\nThe answer is: 16";
        assertThat(score(rejected, REFERENCE))
                .containsExactly(expected(rejected, "4 = ", 1, "\n", 1, "2 = ", 2, "is: ", 2));
    }

    @Test
    void aNumberIsComparedWholeAndByValue() {
        // 41 is not 14 although it has the same digits; 007 is 7; 4 appears in the reference, so it stays 0.
        String rejected = "Tom has 3 apples.\n3 + 4 = 007.\n7 * 2 = 41.\nThe answer is: 41";
        assertThat(score(rejected, REFERENCE)).containsExactly(expected(rejected, "2 = ", 2, "is: ", 2));
    }

    @Test
    void aResponseWithOnlyRightNumbersGetsUniformWeights() {
        String rejected = "Tom has 3 apples.\n3 * 4 = 7.\n7 * 2 = 14.\nThe answer is: 14";
        float[] r = score(rejected, REFERENCE);
        assertThat(r).hasSize(rejected.length() + 1);
        for (float v : r) {
            assertThat(v).isEqualTo(1f);
        }
    }

    @Test
    void withoutAReferenceTheChosenResponseIsTheTruth() {
        String chosen = "The answer is: 5";
        PreferenceExample example = PreferenceExample.of("Q", chosen, "The answer is: 6");
        TokenizedPair pair = new PairEncoder(TOKENIZER, TruncationPolicy.none()).encode(0, example, new DropLog())
                .orElseThrow();
        float[] r = new WrongNumberTokenScorer(TOKENIZER).score(pair).rejected();
        assertThat(r).containsExactly(expected("The answer is: 6", "is: ", 1));
    }
}
