package dev.allo.examples.task;

import java.math.BigInteger;

/**
 * A number, operation symbol or equals sign in a written solution, with its character span.
 *
 * @param kind what the token is
 * @param start the index of its first character
 * @param end the index just past its last character
 * @param text the characters
 */
record MathToken(Kind kind, int start, int end, String text) {
    /** What a token is. */
    enum Kind {
        NUMBER,
        OPERATOR,
        EQUALS
    }

    /** The value of a {@link Kind#NUMBER} token (any length, the Unicode minus read as a minus). */
    BigInteger number() {
        return new BigInteger(text.replace('\u2212', '-'));
    }

    /** The operation of an {@link Kind#OPERATOR} token, or null for a symbol that is none (e.g. {@code /}). */
    Operation operation() {
        return Operation.fromSymbol(text);
    }
}
