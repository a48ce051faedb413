package dev.allo.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.impl.data.JsonlPreferenceReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The jobs from the command line, for {@code spark-submit --class dev.allo.spark.AlloSparkMain allo-spark.jar JOB
 * --option value ...} (the master is {@code local[*]} when none is given):
 *
 * <pre>
 * sample    --input P --output O --model M [--k 4] [--max-new-tokens 64] [--temperature 0.7] [--top-p 0.95]
 *           [--seed 0] [--checker CLASS]
 * score     --input P --output O --model REWRITER [--threshold 0.95] [--template-file F]
 * reference --input P --output O --model M [--log-prob-chunk 0]
 * evaluate  --output O --model M [--pairs P] [--prompts P --checker CLASS] [--reference-model R]
 *           [--max-new-tokens 64]
 * caches    --pairs P --cache-dir D [--reference-output O --model M] [--scores-output O --rewriter R
 *           [--threshold 0.95] [--template-file F]]
 * every job: [--master URL] [--tokenizer byte|PATH] [--batch-size 8] [--partitions 0]
 *           [--max-reject-fraction 1] [--max-length 512] [--max-prompt-length 256] [--overwrite]
 *           [--chat-template-model DIR]
 * </pre>
 *
 * <p>The master is {@code --master}, else the {@code spark.master} that {@code spark-submit} sets, else
 * {@code local[*]}.
 *
 * <p>{@code caches} writes the pipeline's cache files from a reference and/or score output, for a run started with
 * {@code AlignmentBuilder.precomputedCaches(D)} on the same pairs file. A checker is a {@link ResponseChecker}
 * class with a public no-argument constructor. Conversational pairs (TRL's lists of messages) are rendered with the
 * chat template of {@code --chat-template-model}, default {@code --model} (see {@link JobSettings#readOptions()}).
 * The job's result is printed as one line of JSON.
 */
public final class AlloSparkMain {
    private static final Set<String> JOBS = Set.of("sample", "score", "reference", "evaluate", "caches");
    private static final Set<String> OPTIONS = Set.of("input", "output", "model", "k", "max-new-tokens",
            "temperature", "top-p", "seed", "checker", "threshold", "template-file", "log-prob-chunk", "pairs",
            "prompts", "reference-model", "cache-dir", "reference-output", "scores-output", "rewriter", "tokenizer",
            "batch-size", "partitions", "max-reject-fraction", "max-length", "max-prompt-length", "overwrite",
            "master", "chat-template-model");

    private AlloSparkMain() {}

    /**
     * Runs one job and prints its result as one line of JSON.
     *
     * @param args the job's name and its options
     */
    public static void main(String[] args) {
        System.out.println(execute(args));
    }

    /**
     * Runs one job in a Spark session of its own, stopped at the end (in a JVM that already has a session, the job
     * runs in that one, whose master it keeps, and leaves it running).
     *
     * @param args the job's name and its options (see the class comment)
     * @return the job's result as one line of JSON
     * @throws IllegalArgumentException naming the job or option when the arguments do not fit
     */
    public static String execute(String[] args) {
        if (args.length == 0 || !JOBS.contains(args[0])) {
            throw new IllegalArgumentException("usage: AlloSparkMain " + JOBS + " --option value ...; got "
                    + (args.length == 0 ? "no job" : "'" + args[0] + "'"));
        }
        Options o = Options.parse(args);
        SparkSession.Builder builder = SparkSession.builder().appName("allo-spark " + args[0]);
        if (o.optional("master") != null) {
            builder.master(o.optional("master"));
        } else if (!new SparkConf().contains("spark.master")) {
            builder.master("local[*]");
        }
        boolean own = SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = builder.getOrCreate();
        try {
            return new ObjectMapper().writeValueAsString(run(spark, args[0], o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result of job " + args[0] + " as JSON", e);
        } finally {
            if (own) {
                spark.stop();
            }
        }
    }

    static Object run(SparkSession spark, String name, Options o) {
        return switch (name) {
            case "sample" -> SampleJob.run(spark, o.required("input"), o.required("output"), settings(o, "model"),
                    new SampleJob.Settings(o.integer("k", 4), o.integer("max-new-tokens", 64),
                            o.decimal("temperature", 0.7), o.decimal("top-p", 0.95), o.longValue("seed", 0),
                            o.checker()));
            case "score" -> ScoreJob.run(spark, o.required("input"), o.required("output"), settings(o, "model"),
                    scoring(o));
            case "reference" -> ReferenceJob.run(spark, o.required("input"), o.required("output"),
                    settings(o, "model"));
            case "evaluate" -> EvaluateJob.run(spark, o.optional("pairs"), o.optional("prompts"),
                    o.required("output"), settings(o, "model"), o.optional("reference-model"),
                    o.optional("prompts") == null ? null
                            : SampleJob.Settings.greedy(o.integer("max-new-tokens", 64), o.checker()));
            default -> caches(spark, o);
        };
    }

    private static Map<String, String> caches(SparkSession spark, Options o) {
        Path pairs = Path.of(o.required("pairs"));
        Path dir = Path.of(o.required("cache-dir"));
        String templateModel = o.text("chat-template-model", o.optional("model") != null ? o.optional("model")
                : o.required("rewriter"));
        List<PreferenceExample> examples = JsonlPreferenceReader.readAll(pairs, ChatTemplates.readOptions(
                templateModel));
        JobSettings common = settings(o, null);
        Map<String, String> out = new LinkedHashMap<>();
        if (o.optional("reference-output") != null) {
            out.put("reference", PipelineCaches.writeReference(spark, o.required("reference-output"), examples,
                    common.tokenizer().load(), ModelCache.get(o.required("model")), common.maxLength(),
                    common.maxPromptLength(), dir).toString());
        }
        if (o.optional("scores-output") != null) {
            out.put("scores", PipelineCaches.writeScores(spark, o.required("scores-output"), examples,
                    common.tokenizer().load(), ModelCache.get(o.required("rewriter")), scoring(o),
                    common.maxLength(), common.maxPromptLength(), dir).toString());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("caches needs --reference-output or --scores-output");
        }
        return out;
    }

    private static ScoreJob.Settings scoring(Options o) {
        String template = o.optional("template-file");
        return ScoreJob.Settings.of(o.decimal("threshold", ScoreJob.Settings.defaults().threshold()),
                template == null ? PromptTemplate.solutionRewriting() : PromptTemplate.load(Path.of(template)));
    }

    private static JobSettings settings(Options o, String modelOption) {
        String model = modelOption == null ? "" : o.required(modelOption);
        return new JobSettings(model, new TokenizerSource(o.text("tokenizer", TokenizerSource.BYTE)),
                o.integer("batch-size", 8), o.integer("partitions", 0), o.decimal("max-reject-fraction", 1.0),
                o.integer("max-length", 512), o.integer("max-prompt-length", 256), o.integer("log-prob-chunk", 0),
                o.flag("overwrite"), o.text("chat-template-model", ""));
    }

    /** {@code --name value} options; {@code --overwrite} takes no value. */
    static final class Options {
        private final Map<String, String> values = new LinkedHashMap<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 1; i < args.length; i++) {
                if (!args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected an option --name, got '" + args[i] + "'");
                }
                String name = args[i].substring(2);
                if (!OPTIONS.contains(name)) {
                    throw new IllegalArgumentException("unknown option --" + name + "; the options are " + OPTIONS);
                }
                if (name.equals("overwrite")) {
                    o.values.put(name, "true");
                } else if (i + 1 < args.length) {
                    o.values.put(name, args[++i]);
                } else {
                    throw new IllegalArgumentException("option --" + name + " needs a value");
                }
            }
            return o;
        }

        String optional(String name) {
            return values.get(name);
        }

        String required(String name) {
            String v = optional(name);
            if (v == null) {
                throw new IllegalArgumentException("missing option --" + name);
            }
            return v;
        }

        String text(String name, String fallback) {
            String v = optional(name);
            return v == null ? fallback : v;
        }

        int integer(String name, int fallback) {
            return parsed(name, fallback, Integer::parseInt, "an integer");
        }

        long longValue(String name, long fallback) {
            return parsed(name, fallback, Long::parseLong, "an integer");
        }

        double decimal(String name, double fallback) {
            return parsed(name, fallback, Double::parseDouble, "a number");
        }

        private <T> T parsed(String name, T fallback, Function<String, T> parse, String expected) {
            String v = optional(name);
            try {
                return v == null ? fallback : parse.apply(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option --" + name + " must be " + expected + ", got '" + v + "'");
            }
        }

        boolean flag(String name) {
            return optional(name) != null;
        }

        ResponseChecker checker() {
            String name = optional("checker");
            if (name == null) {
                return null;
            }
            try {
                return (ResponseChecker) Class.forName(name).getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException("option --checker: cannot create a ResponseChecker from class '"
                        + name + "' (public, with a public no-argument constructor, on the class path): " + e, e);
            }
        }
    }
}
