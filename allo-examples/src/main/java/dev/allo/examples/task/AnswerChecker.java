package dev.allo.examples.task;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grades a response by the number after its last {@code "The answer is"}, as the paper's math scenario does
 * (answers are marked {@code "The answer is: N"}, Table 6).
 *
 * <p>Extraction: find the last occurrence of {@code "the answer is"} (any case); skip white space, at most one
 * {@code ':'} and white space again; then read an optional minus sign ({@code -} or the Unicode minus) and a number:
 * digits, optionally grouped by commas in threes ({@code 1,234}), optionally followed by a decimal part ({@code
 * .5}). A period that is not followed by a digit ends the sentence and is not part of the number ({@code "5."} reads
 * as 5). Numbers compare by value, so {@code 5.0} equals 5 and {@code 5.5} equals no integer. Only the last marker
 * counts, as in the MetaMath evaluation the paper follows: {@code "The answer is: 5. The answer is:"} has no answer.
 */
public final class AnswerChecker {
    private static final Pattern MARKER = Pattern.compile("the answer is", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBER =
            Pattern.compile("\\s*:?\\s*([-\u2212]?)(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d+)?");

    private AnswerChecker() {}

    /**
     * The number after the last "The answer is".
     *
     * @param response the model's response
     * @return the number, or empty when there is no marker or no number right after the last one
     */
    public static Optional<BigDecimal> extract(String response) {
        return locate(response).map(AnswerLocation::value);
    }

    /**
     * Grades a response.
     *
     * @param response the model's response
     * @param truth the true answer
     * @return {@link Verdict#CORRECT} if the extracted number equals {@code truth}, {@link Verdict#WRONG} if it
     *     differs, {@link Verdict#NO_ANSWER} if there is none
     */
    public static Verdict check(String response, long truth) {
        return extract(response)
                .map(value -> value.compareTo(BigDecimal.valueOf(truth)) == 0 ? Verdict.CORRECT : Verdict.WRONG)
                .orElse(Verdict.NO_ANSWER);
    }

    /** How many times the response says "The answer is" (any case). */
    static long markerCount(String response) {
        return MARKER.matcher(response).results().count();
    }

    /**
     * Finds the last marker and the number after it.
     *
     * @return empty when there is no marker or no number after the last one
     */
    static Optional<AnswerLocation> locate(String response) {
        Objects.requireNonNull(response, "response");
        Matcher marker = MARKER.matcher(response);
        int markerStart = -1;
        int markerEnd = -1;
        while (marker.find()) {
            markerStart = marker.start();
            markerEnd = marker.end();
        }
        if (markerStart < 0) {
            return Optional.empty();
        }
        Matcher number = NUMBER.matcher(response).region(markerEnd, response.length());
        if (!number.lookingAt()) {
            return Optional.empty();
        }
        String digits = number.group(2).replace(",", "") + (number.group(3) == null ? "" : number.group(3));
        BigDecimal value = new BigDecimal(digits);
        if (!number.group(1).isEmpty()) {
            value = value.negate();
        }
        boolean plainInteger = number.group(3) == null && number.group(2).indexOf(',') < 0;
        return Optional.of(new AnswerLocation(markerStart, number.start(1), number.end(), value, plainInteger));
    }

    /**
     * Where the graded answer sits in a response.
     *
     * @param markerStart the index of the last "The answer is"
     * @param numberStart the index of the number's sign or first digit
     * @param numberEnd the index just past the number
     * @param value the number's value
     * @param plainInteger whether the number is written as bare digits with an optional sign (no commas, no decimals)
     */
    record AnswerLocation(int markerStart, int numberStart, int numberEnd, BigDecimal value, boolean plainInteger) {}
}
