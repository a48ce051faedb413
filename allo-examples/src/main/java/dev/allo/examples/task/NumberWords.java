package dev.allo.examples.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The second skill of the systematic-mistakes task: writing a number from 0 to 99 in English words
 * ({@code "Write 47 in words."} to {@code "forty-seven"}). SFT teaches it beside the arithmetic; no preference pair
 * touches it, so its accuracy before and after a preference method measures the alignment tax.
 */
public final class NumberWords {
    /** The largest number of the skill. */
    public static final int MAX = 99;

    private static final String[] UNITS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
        "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen"};
    private static final String[] TENS = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
        "ninety"};

    private NumberWords() {}

    /**
     * A number in words, with a hyphen between tens and units.
     *
     * @param n the number, in {@code [0, 99]}
     * @return e.g. {@code "forty-seven"}, {@code "thirteen"}, {@code "sixty"}
     */
    public static String words(int n) {
        if (n < 0 || n > MAX) {
            throw new IllegalArgumentException("n must be in [0, " + MAX + "], got " + n);
        }
        if (n < 20) {
            return UNITS[n];
        }
        return n % 10 == 0 ? TENS[n / 10] : TENS[n / 10] + "-" + UNITS[n % 10];
    }

    /**
     * The question of the skill.
     *
     * @param n the number
     * @return {@code "Write n in words."}
     */
    public static String question(int n) {
        return "Write " + n + " in words.";
    }

    /**
     * Whether a response spells the number: equal to {@link #words(int)} after trimming white space.
     *
     * @param response the model's response
     * @param n the number
     * @return true when right
     */
    public static boolean isCorrect(String response, int n) {
        return response.strip().equals(words(n));
    }

    /**
     * Splits {@code 0..99} into held-out test numbers and training numbers, by a seeded shuffle.
     *
     * @param seed the seed
     * @param test how many test numbers, in {@code [1, 99]}
     * @return two lists: {@code get(0)} the training numbers, {@code get(1)} the test numbers, each sorted
     */
    public static List<List<Integer>> split(long seed, int test) {
        if (test < 1 || test > MAX) {
            throw new IllegalArgumentException("test must be in [1, " + MAX + "], got " + test);
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i <= MAX; i++) {
            all.add(i);
        }
        Collections.shuffle(all, new Random(seed));
        List<Integer> testSet = new ArrayList<>(all.subList(0, test));
        List<Integer> train = new ArrayList<>(all.subList(test, all.size()));
        Collections.sort(testSet);
        Collections.sort(train);
        return List.of(List.copyOf(train), List.copyOf(testSet));
    }
}
