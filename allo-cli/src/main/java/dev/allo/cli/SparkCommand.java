package dev.allo.cli;

import dev.allo.AlloException;
import dev.allo.cli.config.RunConfigs;
import dev.allo.cli.config.Settings;
import dev.allo.data.TruncationPolicy;
import dev.allo.spark.AlloSparkMain;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code allo spark sample|score|reference|evaluate}: the inference-heavy steps of a run as Spark jobs (allo-spark's
 * {@code dev.allo.spark.AlloSparkMain}), in {@code local[*]} unless {@code --master} (or the {@code spark.master}
 * that {@code spark-submit} sets) names a cluster.
 *
 * <p>The allo jar does not bundle Spark. The subcommands run where Spark 4.1 (Scala 2.13) is on the class path:
 * under {@code spark-submit --class dev.allo.cli.Main allo.jar spark ...}, or with {@code java -cp
 * allo.jar:$SPARK_HOME/jars/* dev.allo.cli.Main spark ...}. Without it they exit with code 2 and print both command
 * lines. Truncation ({@code max_length}, {@code max_prompt_length}) and {@code forget.reward_threshold} come from
 * {@code --config} / {@code --set}, as in the run the results are for.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = "Spark jobs over a data set: sample, score, reference, evaluate (docs/spark.md).",
        footer = {"", "Spark is not in the allo jar: run under spark-submit --class dev.allo.cli.Main allo.jar spark"
            + " ..., or java -cp allo.jar:$SPARK_HOME/jars/* dev.allo.cli.Main spark ..."})
final class SparkCommand implements Runnable {
    /** A class every Spark 4 class path has. */
    static final String SPARK_CLASS = "org.apache.spark.sql.SparkSession";
    /** A library exception's class and first line in the message of Spark's job failure. */
    private static final Pattern QUOTED_TASK_ERROR = Pattern.compile(
            "(?:dev\\.allo\\.[\\w.]*Exception|java\\.lang\\.IllegalArgumentException): ([^\\n]*)");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Used by picocli. */
    SparkCommand() {}

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing job: sample, score, reference or"
                + " evaluate");
    }

    /** The options every job takes. */
    static final class JobOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master (default: spark.master as spark-submit sets it, else local[*]).")
        String master;

        @Option(names = "--output", required = true, paramLabel = "DIR",
                description = "The output directory (written atomically, with a manifest.json).")
        String output;

        @Option(names = "--tokenizer", paramLabel = "byte|FILE",
                description = "tokenizer.json every executor can read (default: the model directory's), or byte.")
        String tokenizer;

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
                description = "Rows per forward pass (default 8).")
        int batchSize;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
                description = "Tasks that run the batches (default 0: Spark's default parallelism).")
        int partitions;

        @Option(names = "--max-reject-fraction", paramLabel = "F", defaultValue = "1",
                description = "Fail before any model runs when more than this fraction of rows cannot be used"
                        + " (default 1: never).")
        double maxRejectFraction;

        @Option(names = "--overwrite", description = "Replace an existing output.")
        boolean overwrite;

        @Option(names = "--chat-template-model", paramLabel = "DIR",
                description = "The model whose chat template renders conversational rows (default: the job's model;"
                        + " for score, give the policy's).")
        String chatTemplateModel;

        @Mixin
        ConfigOptions config;

        /** Used by picocli. */
        JobOptions() {}

        /** The options AlloSparkMain takes for these settings, the tokenizer defaulting to the model's. */
        List<String> arguments(String job, String model) {
            Settings settings = config.settings();
            TruncationPolicy truncation = RunConfigs.truncation(settings);
            List<String> args = new ArrayList<>(List.of(job, "--output", output,
                    "--tokenizer", tokenizer != null ? tokenizer : Path.of(model, "tokenizer.json").toString(),
                    "--batch-size", Integer.toString(batchSize), "--partitions", Integer.toString(partitions),
                    "--max-reject-fraction", Double.toString(maxRejectFraction),
                    "--max-length", Integer.toString(truncation.maxLength()),
                    "--max-prompt-length", Integer.toString(truncation.maxPromptLength())));
            add(args, "master", master);
            add(args, "chat-template-model", chatTemplateModel);
            if (overwrite) {
                args.add("--overwrite");
            }
            return args;
        }
    }

    @Command(name = "reference", mixinStandardHelpOptions = true,
            description = "The reference model's per-token log-probs of every chosen and rejected token (the P_ref"
                    + " of ALLO Eqs. 2, 6-9).")
    int reference(@Mixin JobOptions job,
            @Option(names = "--model", required = true, paramLabel = "DIR",
                    description = "The reference model, readable by every executor.") String model,
            @Option(names = "--data", required = true, paramLabel = "PATH",
                    description = "Preference pairs, JSONL or Parquet.") String data,
            @Option(names = "--log-prob-chunk", paramLabel = "N", defaultValue = "0",
                    description = "The run's logProbChunk (default 0: unchunked).") int logProbChunk) {
        List<String> args = job.arguments("reference", model);
        args.addAll(List.of("--model", model, "--input", data, "--log-prob-chunk", Integer.toString(logProbChunk)));
        return submit(args);
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Token rewards (ALLO Eq. 5) of each pair's rejected response from a rewriting model.")
    int score(@Mixin JobOptions job,
            @Option(names = "--rewriter", required = true, paramLabel = "DIR",
                    description = "The rewriting model, readable by every executor.") String rewriter,
            @Option(names = "--data", required = true, paramLabel = "PATH",
                    description = "Preference pairs, JSONL or Parquet.") String data,
            @Option(names = "--template-file", paramLabel = "FILE",
                    description = "The rewrite prompt (default: the paper's Table 6).") String templateFile) {
        List<String> args = job.arguments("score", rewriter);
        args.addAll(List.of("--model", rewriter, "--input", data, "--threshold",
                Double.toString(RunConfigs.rewardThreshold(job.config.settings()))));
        add(args, "template-file", templateFile);
        return submit(args);
    }

    @Command(name = "sample", mixinStandardHelpOptions = true,
            description = "k responses per prompt, graded by a checker; correct and wrong responses paired.")
    int sample(@Mixin JobOptions job,
            @Option(names = "--model", required = true, paramLabel = "DIR",
                    description = "The policy, readable by every executor.") String model,
            @Option(names = "--prompts", required = true, paramLabel = "PATH",
                    description = "Prompts (prompt, optional answer and reference), JSONL or Parquet.") String prompts,
            @Option(names = "--k", paramLabel = "N", defaultValue = "4", description = "Responses per prompt.") int k,
            @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64",
                    description = "Tokens per response at most.") int maxNewTokens,
            @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.7",
                    description = "Sampling temperature; 0 is greedy.") double temperature,
            @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95",
                    description = "Nucleus sampling mass.") double topP,
            @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
                    description = "The job's seed (each prompt draws from its own stream).") long seed,
            @Option(names = "--checker", paramLabel = "CLASS",
                    description = "A dev.allo.spark.ResponseChecker class on the class path.") String checker) {
        List<String> args = job.arguments("sample", model);
        args.addAll(List.of("--model", model, "--input", prompts, "--k", Integer.toString(k), "--max-new-tokens",
                Integer.toString(maxNewTokens), "--temperature", Double.toString(temperature), "--top-p",
                Double.toString(topP), "--seed", Long.toString(seed)));
        add(args, "checker", checker);
        return submit(args);
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = "DPO's rewards/accuracies and log-likelihoods on pairs, greedy accuracy on prompts.")
    int evaluate(@Mixin JobOptions job,
            @Option(names = "--model", required = true, paramLabel = "DIR",
                    description = "The policy, readable by every executor.") String model,
            @Option(names = "--data", paramLabel = "PATH", description = "Preference pairs.") String data,
            @Option(names = "--prompts", paramLabel = "PATH", description = "Prompts with an answer (needs"
                    + " --checker).") String prompts,
            @Option(names = "--checker", paramLabel = "CLASS",
                    description = "A dev.allo.spark.ResponseChecker class on the class path.") String checker,
            @Option(names = "--reference", paramLabel = "DIR",
                    description = "Reference model for DPO's implicit rewards.") String reference,
            @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64",
                    description = "Tokens per greedy response at most.") int maxNewTokens) {
        if (data == null && prompts == null) {
            throw new CommandLine.ParameterException(spec.commandLine().getSubcommands().get("evaluate"),
                    "Missing --data or --prompts (or both)");
        }
        List<String> args = job.arguments("evaluate", model);
        args.addAll(List.of("--model", model, "--max-new-tokens", Integer.toString(maxNewTokens)));
        add(args, "pairs", data);
        add(args, "prompts", prompts);
        add(args, "checker", checker);
        add(args, "reference-model", reference);
        return submit(args);
    }

    private static void add(List<String> args, String option, String value) {
        if (value != null) {
            args.add("--" + option);
            args.add(value);
        }
    }

    /** Runs the job when Spark is on the class path, else says how to run it and returns the usage exit code. */
    private int submit(List<String> args) {
        PrintWriter out = spec.commandLine().getOut();
        if (!AlloCommand.verbose(spec.root().commandLine().getParseResult())) {
            // Spark logs a failed task's stack trace itself; the error printed at the end says what failed.
            for (String logger : List.of("org.apache.spark", "org.apache.hadoop", "org.sparkproject")) {
                System.setProperty("org.slf4j.simpleLogger.log." + logger, "off");
            }
        }
        if (!sparkPresent()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(notOnClassPath(args.get(0)));
            err.flush();
            return AlloCommand.USAGE;
        }
        try {
            out.println(AlloSparkMain.execute(args.toArray(String[]::new)));
        } catch (Exception e) {
            throw taskFailure(e);
        }
        out.flush();
        return 0;
    }

    /**
     * The library's own error inside a failed Spark job, whose message names the path, row or column, rather than
     * Spark's wrapper (a checked {@code SparkException} thrown unchecked), whose message carries the executor's stack
     * trace: a cause that is the library's, else the first line of the task's exception as Spark quotes it
     * ({@code ... (TID 4) (host executor 1): dev.allo.AlloException: model path ...}), else the first line of the
     * wrapper's message.
     */
    static RuntimeException taskFailure(Exception e) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof AlloException || c instanceof IllegalArgumentException) {
                return new AlloException(c.getMessage(), e);
            }
        }
        if (e instanceof RuntimeException r && (r instanceof IllegalArgumentException || r instanceof AlloException)) {
            return r;
        }
        String message = String.valueOf(e.getMessage());
        Matcher quoted = QUOTED_TASK_ERROR.matcher(message);
        return new AlloException(quoted.find() ? quoted.group(1) : message.lines().findFirst().orElse(""), e);
    }

    /** Whether Spark's classes can be loaded here. */
    static boolean sparkPresent() {
        try {
            Class.forName(SPARK_CLASS, false, SparkCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The message of a run without Spark: what is missing and the two ways to run the job. */
    static String notOnClassPath(String job) {
        return "allo spark " + job + ": Spark is not on the class path (" + SPARK_CLASS + " not found); the allo"
                + " jar does not bundle it. Run the job with Spark 4.1 (Scala 2.13), either\n"
                + "  spark-submit --class dev.allo.cli.Main allo.jar spark " + job + " [options]\n"
                + "or with the jars of a Spark distribution on the class path:\n"
                + "  java -cp allo.jar:$SPARK_HOME/jars/* dev.allo.cli.Main spark " + job + " [options]";
    }
}
