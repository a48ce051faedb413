package dev.allo.examples.scorer;

import dev.allo.data.Fingerprint;
import dev.allo.data.TokenizedPair;
import dev.allo.scorer.TokenScorer;
import dev.allo.scorer.TokenScores;
import dev.allo.tokenizer.Tokenizer;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A user-written {@link TokenScorer} for the arithmetic task, the extension point of the forgetting stage's
 * {@code r_j} (Eq. 5) without a rewriting model: {@code r_j = 1} on the tokens of every number in the rejected
 * response that is not one of the reference solution's numbers (a wrong running total or answer), 0 on every other
 * token. Token NPO then pushes down only the wrong numbers.
 *
 * <p>A token is a digit token when its own decoded text is non-empty and all ASCII digits (each byte of the
 * byte-level tokenizer); a number is a maximal run of digit tokens, compared by value ({@code 007} equals
 * {@code 7}) with the maximal digit runs of the reference (the pair's {@code reference}, else its chosen response).
 * A rejected response whose numbers all appear in the reference (only an operation symbol is wrong, say) gets 1 on
 * every token, plain token NPO, so that no pair contributes zero weight.
 */
public final class WrongNumberTokenScorer implements TokenScorer {
    private final Tokenizer tokenizer;

    /**
     * A scorer for pairs encoded with {@code tokenizer}.
     *
     * @param tokenizer the policy's tokenizer
     */
    public WrongNumberTokenScorer(Tokenizer tokenizer) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    @Override
    public TokenScores score(TokenizedPair pair) {
        String reference = pair.source().reference().orElse(pair.source().chosen());
        Set<BigInteger> truth = numbers(reference);
        int[] ids = pair.rejectedIds();
        String[] texts = new String[ids.length];
        for (int j = 0; j < ids.length; j++) {
            texts[j] = tokenizer.decode(new int[] {ids[j]});
        }
        float[] r = new float[ids.length];
        boolean any = false;
        int j = 0;
        while (j < ids.length) {
            if (!isDigits(texts[j])) {
                j++;
                continue;
            }
            int end = j;
            StringBuilder number = new StringBuilder();
            while (end < ids.length && isDigits(texts[end])) {
                number.append(texts[end++]);
            }
            if (!truth.contains(new BigInteger(number.toString()))) {
                for (int k = j; k < end; k++) {
                    r[k] = 1f;
                }
                any = true;
            }
            j = end;
        }
        if (!any) {
            java.util.Arrays.fill(r, 1f);
        }
        return TokenScores.ofRejected(r);
    }

    @Override
    public void fingerprint(Fingerprint.Builder into) {
        into.add("scorer", "examples/wrong-number/v1");
        into.add("tokenizer", tokenizer.identity());
    }

    /** The values of the maximal ASCII digit runs of a text. */
    static Set<BigInteger> numbers(String text) {
        Set<BigInteger> out = new HashSet<>();
        int i = 0;
        while (i < text.length()) {
            if (!isAsciiDigit(text.charAt(i))) {
                i++;
                continue;
            }
            int end = i;
            while (end < text.length() && isAsciiDigit(text.charAt(end))) {
                end++;
            }
            out.add(new BigInteger(text.substring(i, end)));
            i = end;
        }
        return out;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isAsciiDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
