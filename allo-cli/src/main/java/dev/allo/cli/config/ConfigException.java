package dev.allo.cli.config;

/**
 * A configuration file or {@code --set} override the command line cannot use: an unknown key, a value of the wrong
 * type or out of range, malformed YAML or JSON. The message names the key, where it was written (file and line, or
 * the {@code --set} argument), what was expected and what was found.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the full message
     */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message the full message
     * @param cause the parser's exception
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
