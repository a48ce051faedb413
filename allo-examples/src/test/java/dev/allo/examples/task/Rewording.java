package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewords a solution in the task's format the way another model might write it, leaving every number and operation
 * symbol as it is. Each bit of {@code style} switches one change on.
 */
final class Rewording {
    static final int STARTS_WITH = 1;
    static final int SO_PREFIX = 2;
    static final int ANSWER_WITHOUT_COLON = 4;
    static final int ONE_LINE = 8;

    private Rewording() {}

    static String apply(String solution, int style) {
        List<String> lines = new ArrayList<>(List.of(solution.split("\n", -1)));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 0 && (style & STARTS_WITH) != 0) {
                line = line.replaceFirst(" has ", " starts with ");
            } else if (line.matches("\\d.*") && (style & SO_PREFIX) != 0) {
                line = "So " + line;
            } else if (line.startsWith("The answer is: ") && (style & ANSWER_WITHOUT_COLON) != 0) {
                line = "The answer is " + line.substring("The answer is: ".length()) + ".";
            }
            lines.set(i, line);
        }
        return String.join(separator(style), lines);
    }

    static String separator(int style) {
        return (style & ONE_LINE) != 0 ? " " : "\n";
    }
}
