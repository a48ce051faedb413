package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a written solution into its {@link MathToken}s; everything else (words, white space, punctuation) is
 * wording and is skipped.
 *
 * <p>A number is a run of digits. A minus sign directly before the digits belongs to the number (a negative number)
 * unless the last non-space character before the sign is a digit, in which case it is the subtraction symbol: {@code
 * "= -3"} is the number -3, {@code "7 -2"} and {@code "7-2"} subtract 2. Operation symbols are {@code + - * / ×}, the
 * Unicode minus, and a lone {@code x} between white space.
 */
final class SolutionScanner {
    private SolutionScanner() {}

    static List<MathToken> scan(String text) {
        List<MathToken> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (isDigit(c) || (isMinus(c) && i + 1 < text.length() && isDigit(text.charAt(i + 1))
                    && !digitBefore(text, i))) {
                int end = i + 1;
                while (end < text.length() && isDigit(text.charAt(end))) {
                    end++;
                }
                tokens.add(new MathToken(MathToken.Kind.NUMBER, i, end, text.substring(i, end)));
                i = end;
            } else if (c == '=') {
                tokens.add(new MathToken(MathToken.Kind.EQUALS, i, i + 1, "="));
                i++;
            } else if (isOperator(text, i)) {
                tokens.add(new MathToken(MathToken.Kind.OPERATOR, i, i + 1, String.valueOf(c)));
                i++;
            } else {
                i++;
            }
        }
        return tokens;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isMinus(char c) {
        return c == '-' || c == '\u2212';
    }

    /** Whether the last non-space character before {@code index} is a digit. */
    private static boolean digitBefore(String text, int index) {
        int j = index - 1;
        while (j >= 0 && Character.isWhitespace(text.charAt(j))) {
            j--;
        }
        return j >= 0 && isDigit(text.charAt(j));
    }

    private static boolean isOperator(String text, int i) {
        char c = text.charAt(i);
        if (c == 'x') {
            return i > 0 && i + 1 < text.length() && Character.isWhitespace(text.charAt(i - 1))
                    && Character.isWhitespace(text.charAt(i + 1));
        }
        return c == '+' || c == '*' || c == '/' || c == '\u00d7' || isMinus(c);
    }
}
