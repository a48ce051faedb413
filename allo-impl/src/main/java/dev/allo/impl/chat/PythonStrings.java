package dev.allo.impl.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The Python {@code str} semantics that chat templates rely on and Java's {@link String} does not share: Python's
 * whitespace ({@code str.isspace}: Java's whitespace plus no-break spaces and U+0085), {@code strip} with a set of
 * characters, {@code split} on a literal separator (Java splits on a regular expression), {@code title}, and
 * {@code startswith}/{@code endswith} with a tuple of prefixes. Used by {@link PythonStringResolver} and the
 * {@code trim} filter.
 */
final class PythonStrings {

    private PythonStrings() {
    }

    /**
     * Python's {@code str.isspace} for one code point.
     *
     * @param cp the code point
     * @return whether Python counts it as whitespace
     */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /**
     * {@code s.strip(chars)}, {@code s.lstrip(chars)} or {@code s.rstrip(chars)}.
     *
     * @param s the string
     * @param chars the characters to remove, or {@code null} for Python whitespace
     * @param left whether to strip the start
     * @param right whether to strip the end
     * @return the stripped string
     */
    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && strippable(s.codePointAt(from), chars)) {
            from += Character.charCount(s.codePointAt(from));
        }
        while (right && to > from && strippable(s.codePointBefore(to), chars)) {
            to -= Character.charCount(s.codePointBefore(to));
        }
        return s.substring(from, to);
    }

    private static boolean strippable(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    /**
     * {@code s.split(sep, maxsplit)}.
     *
     * @param s the string
     * @param sep the literal separator, or {@code null} to split on runs of whitespace and drop empty pieces
     * @param maxSplit the most splits, or a negative number for no limit
     * @return the pieces
     * @throws IllegalArgumentException if the separator is empty (Python's {@code ValueError})
     */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int k = 0;
            while (true) {
                while (k < s.length() && isSpace(s.codePointAt(k))) {
                    k += Character.charCount(s.codePointAt(k));
                }
                if (k >= s.length()) {
                    return out;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(strip(s.substring(k), null, false, true));
                    return out;
                }
                int start = k;
                while (k < s.length() && !isSpace(s.codePointAt(k))) {
                    k += Character.charCount(s.codePointAt(k));
                }
                out.add(s.substring(start, k));
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("str.split: empty separator");
        }
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0 && (maxSplit < 0 || out.size() < maxSplit); at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /**
     * {@code s.startswith(prefix)} or {@code s.endswith(suffix)}, where the argument may be a tuple (list) of
     * alternatives.
     *
     * @param s the string
     * @param affix a string or a collection of strings
     * @param start whether to test the start ({@code startswith}) or the end
     * @return whether any alternative matches
     */
    static boolean hasAffix(String s, Object affix, boolean start) {
        if (affix instanceof Collection<?> alternatives) {
            for (Object a : alternatives) {
                if (hasAffix(s, a, start)) {
                    return true;
                }
            }
            return false;
        }
        String a = String.valueOf(affix);
        return start ? s.startsWith(a) : s.endsWith(a);
    }

    /**
     * {@code s.title()}: the first cased letter of each run of letters upper case, the rest lower case.
     *
     * @param s the string
     * @return the title-cased string
     */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int k = 0; k < s.length(); ) {
            int cp = s.codePointAt(k);
            out.appendCodePoint(previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            previousCased = Character.isLetter(cp);
            k += Character.charCount(cp);
        }
        return out.toString();
    }

    /**
     * {@code s.capitalize()}: the first character upper case, the rest lower case.
     *
     * @param s the string
     * @return the capitalised string
     */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    /**
     * {@code s.replace(old, new, count)}.
     *
     * @param s the string
     * @param target the text to replace
     * @param replacement its replacement
     * @param count the most replacements, or a negative number for all
     * @return the new string
     */
    static String replace(String s, String target, String replacement, int count) {
        if (target.isEmpty()) { // Python inserts the replacement between characters and at both ends
            StringBuilder out = new StringBuilder();
            int done = 0;
            for (int k = 0; k <= s.length(); k++) {
                if (count < 0 || done < count) {
                    out.append(replacement);
                    done++;
                }
                if (k < s.length()) {
                    out.append(s.charAt(k));
                }
            }
            return out.toString();
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int done = 0;
        for (int at = s.indexOf(target); at >= 0 && (count < 0 || done < count); at = s.indexOf(target, from)) {
            out.append(s, from, at).append(replacement);
            from = at + target.length();
            done++;
        }
        return out.append(s.substring(from)).toString();
    }

    /**
     * {@code s.count(sub)}: non-overlapping occurrences.
     *
     * @param s the string
     * @param sub the text to count
     * @return the count
     */
    static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }
}
