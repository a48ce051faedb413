package dev.allo;

/**
 * The one unchecked exception of the library for engine and I/O failures: a file that cannot be read or written, a
 * checkpoint that does not match its config, an engine that refuses an operation.
 *
 * <p>Bad argument values raise {@link IllegalArgumentException} and calls in the wrong order raise
 * {@link IllegalStateException}; this type is for everything the caller could not have checked beforehand. Every
 * message names the file, tensor or field involved and what was expected and found.
 */
public class AlloException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message a user can act on.
     *
     * @param message what failed, where, and what was expected and found
     */
    public AlloException(String message) {
        super(message);
    }

    /**
     * Creates an exception that wraps its cause.
     *
     * @param message what failed, where, and what was expected and found
     * @param cause the underlying failure
     */
    public AlloException(String message, Throwable cause) {
        super(message, cause);
    }
}
