package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tests' own token view of a solution, independent of the teacher's scanner: digit runs, words, white-space runs
 * and single other characters. Math tokens are digit runs and the operation symbols {@code + - *}.
 */
final class SolutionTokens {
    private static final Pattern TOKEN = Pattern.compile("\\d+|[A-Za-z']+|\\s+|.", Pattern.DOTALL);

    private SolutionTokens() {}

    static List<String> of(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher matcher = TOKEN.matcher(text);
        while (matcher.find()) {
            tokens.add(matcher.group());
        }
        return tokens;
    }

    static boolean isMath(String token) {
        return token.chars().allMatch(Character::isDigit) || token.equals("+") || token.equals("-")
                || token.equals("*");
    }

    static List<String> math(List<String> tokens) {
        return tokens.stream().filter(SolutionTokens::isMath).toList();
    }

    /** The positions at which two equally long token lists differ. */
    static List<Integer> changedPositions(List<String> before, List<String> after) {
        if (before.size() != after.size()) {
            throw new AssertionError("token counts differ: " + before.size() + " vs " + after.size() + "\n" + before
                    + "\n" + after);
        }
        List<Integer> changed = new ArrayList<>();
        for (int k = 0; k < before.size(); k++) {
            if (!before.get(k).equals(after.get(k))) {
                changed.add(k);
            }
        }
        return changed;
    }
}
