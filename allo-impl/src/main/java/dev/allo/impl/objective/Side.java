package dev.allo.impl.objective;

/** Which response of a preference pair a tensor belongs to. */
enum Side {
    /** The preferred response {@code y+}. */
    CHOSEN("chosen"),
    /** The dispreferred response {@code y-}. */
    REJECTED("rejected");

    private final String label;

    Side(String label) {
        this.label = label;
    }

    /**
     * The lower-case name used in error messages and metric names.
     *
     * @return the label
     */
    String label() {
        return label;
    }
}
