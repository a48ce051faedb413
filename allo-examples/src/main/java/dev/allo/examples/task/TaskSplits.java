package dev.allo.examples.task;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Train, validation and test problems that share no problem (by {@link Problem#canonicalText()}).
 *
 * @param train the training problems
 * @param validation the validation problems
 * @param test the held-out test problems
 */
public record TaskSplits(List<Problem> train, List<Problem> validation, List<Problem> test) {
    /** Copies the lists and checks that no problem appears twice, within or across splits. */
    public TaskSplits {
        train = List.copyOf(Objects.requireNonNull(train, "train"));
        validation = List.copyOf(Objects.requireNonNull(validation, "validation"));
        test = List.copyOf(Objects.requireNonNull(test, "test"));
        Map<String, String> owner = new HashMap<>();
        checkDistinct(train, "train", owner);
        checkDistinct(validation, "validation", owner);
        checkDistinct(test, "test", owner);
    }

    private static void checkDistinct(List<Problem> problems, String split, Map<String, String> owner) {
        for (int i = 0; i < problems.size(); i++) {
            String key = problems.get(i).canonicalText();
            String previous = owner.putIfAbsent(key, split + "[" + i + "]");
            if (previous != null) {
                throw new IllegalArgumentException("splits must share no problem, but " + split + "[" + i
                        + "] repeats " + previous + ": " + problems.get(i).text());
            }
        }
    }
}
