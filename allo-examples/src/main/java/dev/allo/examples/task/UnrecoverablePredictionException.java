package dev.allo.examples.task;

/** Signals that a prediction's structure cannot be mapped onto the true computation; the message says why. */
final class UnrecoverablePredictionException extends Exception {
    private static final long serialVersionUID = 1L;

    UnrecoverablePredictionException(String reason) {
        super(reason);
    }
}
