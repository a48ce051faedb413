package dev.allo.optim;

/** Field checks shared by the config records; messages name the field, the constraint and the value. */
final class Checks {
    private Checks() {}

    static void finiteNonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be finite and >= 0, got " + value);
        }
    }

    static void unitInterval(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), got " + value);
        }
    }
}
