package dev.allo.examples.quickstart;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The quick start's knobs. Every one can be set as a {@code --key=value} argument or as a system property
 * {@code -Dquickstart.key=value} (arguments win); unknown keys are rejected with the list of known ones.
 *
 * @param problems training problems of the SFT stage (default 1000)
 * @param preferenceProblems the first this many training problems are sampled for the preference data (default 256)
 * @param validation validation problems, the source of the held-out preference pairs (default 64)
 * @param test held-out test problems for greedy accuracy (default 200)
 * @param maxSteps the most arithmetic steps per problem, in [1, 5] (default 2)
 * @param hidden the model's hidden size (default 96; the MLP is 8/3 of it, heads of width 16 or less)
 * @param layers decoder layers (default 2)
 * @param sftEpochs epochs of supervised fine-tuning of the policy (default 6)
 * @param sftLearningRate SFT learning rate (default 3e-3)
 * @param samples solutions sampled per training problem from the SFT model (default 4)
 * @param temperature sampling temperature (default 1.0)
 * @param topP sampling nucleus mass (default 0.95)
 * @param rewriterEpochs epochs of SFT of the rewriter on the teacher's rewrites (default 2)
 * @param dpoEpochs epochs of DPO and of ALLO's learning stage (default 2)
 * @param dpoLearningRate learning rate of DPO (default 3e-5, chosen on validation problems: docs/results.md)
 * @param alloLearningRate learning rate of ALLO's learning stage (default 3e-4, chosen the same way)
 * @param forgetLearningRate learning rate of ALLO's forgetting stage (default 3e-5, chosen the same way)
 * @param warmUpLearningRate learning rate of the one-epoch DPO warm-up whose weight delta locates ALLO's key
 *     neurons, Eq. (4) (default 5e-4)
 * @param batchSize pairs per optimiser step in every stage (default 16)
 * @param seed the seed of the task, the model and the sampling (default 7)
 * @param out the output directory (default {@code allo-output/quickstart})
 */
public record QuickStartOptions(int problems, int preferenceProblems, int validation, int test, int maxSteps, int hidden, int layers,
        int sftEpochs, double sftLearningRate, int samples, double temperature, double topP, int rewriterEpochs,
        int dpoEpochs, double dpoLearningRate, double alloLearningRate, double forgetLearningRate,
        double warmUpLearningRate, int batchSize, long seed, Path out) {

    /** Prefix of the system properties that set options. */
    public static final String PROPERTY_PREFIX = "quickstart.";

    /**
     * Validates every option.
     *
     * @throws IllegalArgumentException naming the option, its constraint and its value
     */
    public QuickStartOptions {
        atLeast("problems", problems, 1);
        if (preferenceProblems < 1 || preferenceProblems > problems) {
            throw new IllegalArgumentException("--preference-problems must be in [1, problems=" + problems + "], got "
                    + preferenceProblems);
        }
        atLeast("validation", validation, 1);
        atLeast("test", test, 1);
        if (maxSteps < 1 || maxSteps > 5) {
            throw new IllegalArgumentException("--max-steps must be in [1, 5], got " + maxSteps);
        }
        atLeast("hidden", hidden, 8);
        if (hidden % 8 != 0) {
            throw new IllegalArgumentException("--hidden must be a multiple of 8, got " + hidden);
        }
        atLeast("layers", layers, 1);
        atLeast("sft-epochs", sftEpochs, 1);
        positive("sft-lr", sftLearningRate);
        atLeast("samples", samples, 1);
        positive("temperature", temperature);
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
        atLeast("rewriter-epochs", rewriterEpochs, 1);
        atLeast("dpo-epochs", dpoEpochs, 1);
        positive("dpo-lr", dpoLearningRate);
        positive("allo-lr", alloLearningRate);
        positive("forget-lr", forgetLearningRate);
        positive("warmup-lr", warmUpLearningRate);
        atLeast("batch", batchSize, 1);
        if (out == null) {
            throw new IllegalArgumentException("--out must be set");
        }
    }

    /**
     * The defaults: a run of about five minutes on two CPU cores.
     *
     * @return the default options
     */
    public static QuickStartOptions defaults() {
        return new QuickStartOptions(1000, 256, 64, 200, 2, 96, 2, 6, 3e-3, 4, 1.0, 0.95, 2, 2, 3e-5, 3e-4, 3e-5, 5e-4,
                16, 7,
                Path.of("allo-output", "quickstart"));
    }

    /**
     * Reads options from system properties ({@code quickstart.key}), then from {@code --key=value} arguments.
     *
     * @param args the command-line arguments
     * @param properties the system properties
     * @return the options
     * @throws IllegalArgumentException for an unknown key, a malformed argument or a bad value
     */
    public static QuickStartOptions parse(String[] args, Properties properties) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                values.put(name.substring(PROPERTY_PREFIX.length()), properties.getProperty(name));
            }
        }
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("arguments look like --key=value, got '" + arg + "'");
            }
            values.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        QuickStartOptions d = defaults();
        Reader r = new Reader(values);
        int problems = r.integer("problems", d.problems);
        QuickStartOptions options = new QuickStartOptions(problems,
                r.integer("preference-problems", Math.min(problems, d.preferenceProblems)),
                r.integer("validation", d.validation), r.integer("test", d.test),
                r.integer("max-steps", d.maxSteps), r.integer("hidden", d.hidden), r.integer("layers", d.layers),
                r.integer("sft-epochs", d.sftEpochs), r.real("sft-lr", d.sftLearningRate),
                r.integer("samples", d.samples), r.real("temperature", d.temperature), r.real("top-p", d.topP),
                r.integer("rewriter-epochs", d.rewriterEpochs), r.integer("dpo-epochs", d.dpoEpochs),
                r.real("dpo-lr", d.dpoLearningRate), r.real("allo-lr", d.alloLearningRate),
                r.real("forget-lr", d.forgetLearningRate), r.real("warmup-lr", d.warmUpLearningRate),
                r.integer("batch", d.batchSize), r.longValue("seed", d.seed),
                Path.of(values.getOrDefault("out", d.out.toString())));
        r.used.add("out");
        for (String key : values.keySet()) {
            if (!r.used.contains(key)) {
                throw new IllegalArgumentException("unknown option '" + key + "'; known: " + r.used);
            }
        }
        return options;
    }

    /**
     * A copy with another seed.
     *
     * @param value the seed of the task, the model and the sampling
     * @return the copy
     */
    public QuickStartOptions withSeed(long value) {
        return new QuickStartOptions(problems, preferenceProblems, validation, test, maxSteps, hidden, layers,
                sftEpochs, sftLearningRate, samples, temperature, topP, rewriterEpochs, dpoEpochs, dpoLearningRate,
                alloLearningRate, forgetLearningRate, warmUpLearningRate, batchSize, value, out);
    }

    /**
     * A copy with another output directory.
     *
     * @param value the output directory
     * @return the copy
     */
    public QuickStartOptions withOut(Path value) {
        return new QuickStartOptions(problems, preferenceProblems, validation, test, maxSteps, hidden, layers,
                sftEpochs, sftLearningRate, samples, temperature, topP, rewriterEpochs, dpoEpochs, dpoLearningRate,
                alloLearningRate, forgetLearningRate, warmUpLearningRate, batchSize, seed, value);
    }

    /**
     * These options as {@code --key=value} pairs, for the run's log.
     *
     * @return the map of option names to values
     */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("problems", problems + "/" + validation + "/" + test + " (train/validation/test), "
                + preferenceProblems + " of them sampled for preference pairs");
        m.put("max-steps", Integer.toString(maxSteps));
        m.put("model", "hidden " + hidden + ", " + layers + " layers");
        m.put("sft", sftEpochs + " epochs, lr " + sftLearningRate);
        m.put("sampling", samples + " per problem, temperature " + temperature + ", top-p " + topP);
        m.put("rewriter", rewriterEpochs + " epochs");
        m.put("dpo / allo", dpoEpochs + " epochs, batch " + batchSize + "; DPO lr " + dpoLearningRate
                + "; ALLO learn lr " + alloLearningRate + ", forget lr " + forgetLearningRate + " (1 epoch), warm-up lr "
                + warmUpLearningRate + " (1 epoch)");
        m.put("seed", Long.toString(seed));
        return m;
    }

    private static void atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException("--" + name + " must be >= " + min + ", got " + value);
        }
    }

    private static void positive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("--" + name + " must be finite and > 0, got " + value);
        }
    }

    /** Reads typed values and remembers which keys exist. */
    private static final class Reader {
        private final Map<String, String> values;
        private final java.util.List<String> used = new java.util.ArrayList<>();

        Reader(Map<String, String> values) {
            this.values = values;
        }

        int integer(String key, int fallback) {
            used.add(key);
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v + "'", e);
            }
        }

        long longValue(String key, long fallback) {
            used.add(key);
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v + "'", e);
            }
        }

        double real(String key, double fallback) {
            used.add(key);
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be a number, got '" + v + "'", e);
            }
        }
    }
}
