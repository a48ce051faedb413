package dev.allo.cli;

/**
 * The {@code allo} executable's entry point ({@code java -jar allo.jar}). It sets {@code ai.djl.offline=true} unless
 * the user set it, before any DJL class loads, so that DJL takes the PyTorch native library from the jar and never
 * downloads anything, then runs {@link AlloCommand} and exits with its code: 0 success, 1 a failed run, 2 bad usage.
 */
public final class Main {
    /** DJL's switch that forbids downloads. */
    public static final String OFFLINE = "ai.djl.offline";

    private Main() {}

    /**
     * Runs the command line and exits.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        if (System.getProperty(OFFLINE) == null) {
            System.setProperty(OFFLINE, "true");
        }
        System.exit(AlloCommand.execute(args));
    }
}
