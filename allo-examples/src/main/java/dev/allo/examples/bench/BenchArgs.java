package dev.allo.examples.bench;

/**
 * Command-line arguments of the benchmark mains: named options ({@code --rounds 5}), positional counts
 * ({@code 200 30}) and flags ({@code --full}). Every number is a count, so it must be a positive integer.
 */
public final class BenchArgs {

    private BenchArgs() {}

    /**
     * The value after {@code name}, or {@code null} when the option is absent.
     *
     * @param args the command line
     * @param name the option, e.g. {@code --profile}
     * @return the option's value or {@code null}
     * @throws IllegalArgumentException if the option is the last argument (no value follows it)
     */
    public static String option(String[] args, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name)) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(name + " needs a value, got none");
                }
                return args[i + 1];
            }
        }
        return null;
    }

    /**
     * The positive integer after {@code name}, or {@code fallback} when the option is absent.
     *
     * @param args the command line
     * @param name the option, e.g. {@code --rounds}
     * @param fallback the default
     * @return the value
     * @throws IllegalArgumentException if the value is not an integer of at least 1
     */
    public static int intOption(String[] args, String name, int fallback) {
        String value = option(args, name);
        return value == null ? fallback : positive(name, value);
    }

    /**
     * The positive integer at position {@code index} (0-based), or {@code fallback} when there are fewer arguments.
     *
     * @param args the command line
     * @param index the position
     * @param what the argument's name, for the error message
     * @param fallback the default
     * @return the value
     * @throws IllegalArgumentException if the value is not an integer of at least 1
     */
    public static int intAt(String[] args, int index, String what, int fallback) {
        return index < args.length ? positive("argument " + (index + 1) + " (" + what + ")", args[index]) : fallback;
    }

    /**
     * Whether {@code name} is on the command line.
     *
     * @param args the command line
     * @param name the flag, e.g. {@code --full}
     * @return true if present
     */
    public static boolean flag(String[] args, String name) {
        for (String a : args) {
            if (a.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static int positive(String what, String value) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be an integer, got '" + value + "'", e);
        }
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + n);
        }
        return n;
    }
}
