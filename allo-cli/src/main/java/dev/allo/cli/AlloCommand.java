package dev.allo.cli;

import dev.allo.cli.config.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The top-level {@code allo} command and how every subcommand's outcome becomes an exit code: 0 on success; 2 on bad
 * usage (an unknown or missing option, a value of the wrong type: picocli's parameter exceptions; and a configuration
 * key or value that does not fit, {@link ConfigException}); 1 when the run fails (a missing file, malformed data, an
 * engine error). Errors print their message on stderr, with the stack trace only under {@code --verbose}.
 */
@Command(name = "allo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Align causal language models with human preferences: ALLO (arXiv 2406.12606) and the DPO family"
                + " on Hugging Face model directories and TRL-format JSONL.",
        subcommands = {AlignCommand.class, TrainCommand.class, LocateCommand.class, ScoreCommand.class,
            EvalCommand.class, GenerateCommand.class, ExportCommand.class, PlanCommand.class, DemoCommand.class,
            SparkCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 the run failed, 2 bad usage or configuration.",
            "Configuration keys and examples: docs/cli.md."})
public final class AlloCommand implements Runnable {
    /** Exit code of a failed run. */
    public static final int FAILED = 1;
    /** Exit code of bad usage (picocli's default for parameter exceptions). */
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    boolean verbose;

    /** Used by picocli. */
    public AlloCommand() {}

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /**
     * A command line writing to the given streams, with the exit-code rules above.
     *
     * @param out standard output
     * @param err standard error
     * @return the command line
     */
    public static CommandLine create(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new AlloCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(AlloCommand::onFailure);
        cli.setParameterExceptionHandler(AlloCommand::onBadUsage);
        return cli;
    }

    /**
     * Runs the command line on the process's streams.
     *
     * @param args the arguments
     * @return the exit code
     */
    public static int execute(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        return create(out, err).execute(args);
    }

    private static int onFailure(Exception e, CommandLine cli, ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (verbose(parsed)) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.print(trace);
        }
        err.println(cli.getCommandSpec().qualifiedName() + ": error: " + message(e));
        err.flush();
        return e instanceof ConfigException ? USAGE : FAILED;
    }

    private static int onBadUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        err.println(cli.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help'.");
        }
        err.flush();
        return USAGE;
    }

    /**
     * Whether {@code --verbose} was given to any command of a parse.
     *
     * @param parsed the root command's parse result
     * @return true when a stack trace should be printed
     */
    static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getName() : m;
    }
}
