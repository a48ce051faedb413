package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent reading of a problem's text: parses the sentences with its own grammar and recovers the start count
 * and the steps, so tests can hold the generator's text against its recorded computation.
 */
final class ProblemTextInterpreter {
    private static final Pattern INTRO = Pattern.compile("(\\w+) has (\\d+) (\\w+)\\.");
    private static final Pattern STEP =
            Pattern.compile("(?:He|She|Then he|Then she) (buys|finds|gets|gives away|loses|sells|ends up with) (\\d+)"
                    + "( more| times as many)?\\.");
    private static final Pattern QUESTION = Pattern.compile("How many (\\w+) does (\\w+) have now\\?");

    /** The start count and steps a problem text states. */
    record Reading(String subject, long start, List<ArithmeticStep> steps) {
        long answer() {
            long total = start;
            for (ArithmeticStep step : steps) {
                total = switch (step.operation()) {
                    case ADD -> total + step.operand();
                    case SUBTRACT -> total - step.operand();
                    case MULTIPLY -> total * step.operand();
                };
            }
            return total;
        }
    }

    private ProblemTextInterpreter() {}

    static Reading read(String text) {
        String[] sentences = text.split("(?<=[.?]) ");
        Matcher intro = INTRO.matcher(sentences[0]);
        if (!intro.matches()) {
            throw new AssertionError("unreadable intro: " + sentences[0]);
        }
        List<ArithmeticStep> steps = new ArrayList<>();
        for (int i = 1; i < sentences.length - 1; i++) {
            Matcher step = STEP.matcher(sentences[i]);
            if (!step.matches()) {
                throw new AssertionError("unreadable step: " + sentences[i]);
            }
            String verb = step.group(1);
            String tail = step.group(3) == null ? "" : step.group(3);
            Operation operation;
            if (verb.equals("ends up with") && tail.equals(" times as many")) {
                operation = Operation.MULTIPLY;
            } else if (List.of("buys", "finds", "gets").contains(verb) && tail.equals(" more")) {
                operation = Operation.ADD;
            } else if (List.of("gives away", "loses", "sells").contains(verb) && tail.isEmpty()) {
                operation = Operation.SUBTRACT;
            } else {
                throw new AssertionError("verb and tail do not agree: " + sentences[i]);
            }
            steps.add(new ArithmeticStep(operation, Long.parseLong(step.group(2))));
        }
        Matcher question = QUESTION.matcher(sentences[sentences.length - 1]);
        if (!question.matches() || !question.group(2).equals(intro.group(1))) {
            throw new AssertionError("unreadable question: " + sentences[sentences.length - 1]);
        }
        return new Reading(intro.group(1), Long.parseLong(intro.group(2)), steps);
    }
}
