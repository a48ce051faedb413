package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the computation sits in a written prediction: the optional start count, the equations {@code a op b = c} in
 * reading order, and the final answer. Every number of the prediction must be one of these; anything else makes the
 * prediction unrecoverable.
 *
 * @param text the prediction
 * @param start the number restating the start count before the first equation, or null when there is none
 * @param equations the written equations in reading order
 * @param answer the number after the last "The answer is"
 * @param answerMarker the index of the last "The answer is"
 */
record PredictionLayout(
        String text, MathToken start, List<PredictionLayout.WrittenEquation> equations, MathToken answer,
        int answerMarker) {

    /**
     * One written equation {@code left op right = result}.
     *
     * @param left the left operand
     * @param operator the operation symbol
     * @param right the right operand
     * @param result the result
     */
    record WrittenEquation(MathToken left, MathToken operator, MathToken right, MathToken result) {
        /** The four slots in reading order. */
        List<MathToken> slots() {
            return List.of(left, operator, right, result);
        }
    }

    /** Characters that end a sentence (a line break ends one too). */
    private static final String SENTENCE_ENDS = ".!?\n";

    /**
     * Locates the computation in a prediction.
     *
     * @throws UnrecoverablePredictionException if there is no final answer or more than one, a number that is none of start count,
     *     equation or answer, or an equation after the answer
     */
    static PredictionLayout parse(String text) throws UnrecoverablePredictionException {
        long markers = AnswerChecker.markerCount(text);
        if (markers != 1) {
            throw new UnrecoverablePredictionException(markers == 0 ? "no \"The answer is\" in the prediction"
                    : "\"The answer is\" occurs " + markers + " times in the prediction");
        }
        AnswerChecker.AnswerLocation location = AnswerChecker.locate(text).orElseThrow(
                () -> new UnrecoverablePredictionException("no number after the last \"The answer is\""));
        if (!location.plainInteger()) {
            throw new UnrecoverablePredictionException(
                    "the answer " + text.substring(location.numberStart(), location.numberEnd())
                            + " is not written as a plain integer");
        }
        List<MathToken> tokens = SolutionScanner.scan(text);
        List<WrittenEquation> equations = new ArrayList<>();
        List<MathToken> loose = new ArrayList<>();
        MathToken answer = null;
        for (int i = 0; i < tokens.size(); i++) {
            MathToken token = tokens.get(i);
            if (token.kind() != MathToken.Kind.NUMBER) {
                continue; // an operator or '=' outside an equation carries no number to correct
            }
            if (token.start() == location.numberStart() && token.end() == location.numberEnd()) {
                answer = token;
            } else if (isEquation(text, tokens, i)) {
                if (token.start() > location.markerStart()) {
                    throw new UnrecoverablePredictionException(
                            "an equation follows the answer at index " + token.start());
                }
                equations.add(new WrittenEquation(token, tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 4)));
                i += 4;
            } else {
                loose.add(token);
            }
        }
        if (answer == null) {
            throw new UnrecoverablePredictionException("the answer is not a separate number at index "
                    + location.numberStart());
        }
        MathToken start = null;
        int firstAnchor = equations.isEmpty() ? location.markerStart() : equations.get(0).left().start();
        if (loose.size() == 1 && loose.get(0).end() <= firstAnchor) {
            start = loose.get(0);
        } else if (!loose.isEmpty()) {
            MathToken stray = loose.get(loose.size() == 1 ? 0 : 1);
            throw new UnrecoverablePredictionException("the number " + stray.text() + " at index " + stray.start()
                    + " is neither the start count, part of an equation, nor the answer");
        }
        return new PredictionLayout(text, start, List.copyOf(equations), answer, location.markerStart());
    }

    /** Whether tokens i..i+4 read {@code NUMBER OPERATOR NUMBER = NUMBER} with only white space between them. */
    private static boolean isEquation(String text, List<MathToken> tokens, int i) {
        if (i + 4 >= tokens.size()) {
            return false;
        }
        MathToken.Kind[] pattern = {
            MathToken.Kind.NUMBER, MathToken.Kind.OPERATOR, MathToken.Kind.NUMBER, MathToken.Kind.EQUALS,
            MathToken.Kind.NUMBER
        };
        for (int k = 0; k < pattern.length; k++) {
            if (tokens.get(i + k).kind() != pattern[k]) {
                return false;
            }
            if (k > 0 && !text.substring(tokens.get(i + k - 1).end(), tokens.get(i + k).start()).isBlank()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The index where the sentence holding {@code index} begins: just past the previous sentence end and the white
     * space after it.
     */
    int sentenceStart(int index) {
        int from = index;
        while (from > 0 && SENTENCE_ENDS.indexOf(text.charAt(from - 1)) < 0) {
            from--;
        }
        while (from < index && Character.isWhitespace(text.charAt(from))) {
            from++;
        }
        return from;
    }

    /** The index just past the sentence end at or after {@code index} and the white space after it. */
    int sentenceEnd(int index) {
        int to = index;
        while (to < text.length() && SENTENCE_ENDS.indexOf(text.charAt(to)) < 0) {
            to++;
        }
        if (to < text.length()) {
            to++;
        }
        while (to < text.length() && Character.isWhitespace(text.charAt(to))) {
            to++;
        }
        return to;
    }

    /** The white space that ends just before {@code index}. */
    String whitespaceBefore(int index) {
        int from = index;
        while (from > 0 && Character.isWhitespace(text.charAt(from - 1))) {
            from--;
        }
        return text.substring(from, index);
    }
}
