package dev.allo.examples.quickstart;

import dev.allo.examples.task.SystematicMistake;
import dev.allo.pipeline.AlloPresets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The quick start's knobs. Every one can be set as a {@code --key=value} argument or as a system property
 * {@code -Dquickstart.key=value} (arguments win); unknown keys are rejected with the list of known ones. The task
 * decides the defaults: {@link #defaults()} (the systematic-mistakes task, what no {@code --task} gives) or
 * {@link #classicDefaults()} ({@code --task=classic}); the defaults below are the systematic-mistakes task's, with the
 * classic task's in brackets where they differ.
 *
 * @param problems training problems of the SFT stage (default 2000 [1000])
 * @param preferenceProblems the first this many training problems are sampled for the preference data (default 200
 *     [256])
 * @param validation validation problems, the source of the held-out preference pairs and of the learning-rate
 *     choice (default 100 [64])
 * @param test held-out test problems for greedy accuracy (default 300 [200])
 * @param maxSteps the most arithmetic steps per problem, in [1, 5] (default 1 [2])
 * @param hidden the model's hidden size (default 128 [96]; the MLP is 8/3 of it, heads of width 16 or less)
 * @param layers decoder layers (default 2)
 * @param sftEpochs epochs of supervised fine-tuning of the policy (default 10 [6])
 * @param sftLearningRate SFT learning rate (default 3e-3)
 * @param samples solutions sampled per training problem from the SFT model (default 4)
 * @param temperature sampling temperature (default 1.0)
 * @param topP sampling nucleus mass (default 0.95)
 * @param rewriterEpochs epochs of SFT of the rewriter on the teacher's rewrites (default 2)
 * @param dpoEpochs epochs of DPO and of ALLO's learning stage (default 2)
 * @param dpoLearningRate learning rate of DPO and the other baselines (default 1e-4 [3e-5], chosen on validation
 *     problems: docs/results.md)
 * @param alloLearningRate learning rate of ALLO's learning stage (default 3e-4, chosen the same way;
 *     {@link AlloPresets#SMALL_LEARN_LR})
 * @param forgetLearningRate learning rate of ALLO's forgetting stage (default 3e-5, chosen the same way;
 *     {@link AlloPresets#SMALL_FORGET_LR})
 * @param warmUpLearningRate learning rate of the one-epoch DPO warm-up whose weight delta locates ALLO's key
 *     neurons, Eq. (4) (default 1e-3 [5e-4]; {@link AlloPresets#SMALL_WARM_UP_LR})
 * @param batchSize pairs per optimiser step in every stage (default 16, {@link AlloPresets#SMALL_BATCH})
 * @param seed the seed of the task, the model and the sampling (default 7)
 * @param out the output directory (default {@code allo-output/quickstart})
 * @param task which task (default {@link TaskKind#MISTAKES}, the systematic-mistakes task; {@code --task=classic}
 *     the original task, with its own defaults, {@link #classicDefaults()})
 * @param mistakeFraction the share of SFT demonstrations with a systematic mistake (default 0.3 [0])
 * @param mistakeClasses the classes the mistaken demonstrations carry (default all three)
 * @param skillExamples SFT demonstrations of the second skill, number words (default 600 [0])
 * @param skillTest held-out numbers of the second skill (default 30)
 * @param rounds on-policy rounds of every preference method: sample the current model, pair, train (default 1)
 * @param seeds how many seeds, from {@code seed} upwards (default 1)
 * @param methods the preference methods run after SFT, from {@link #KNOWN_METHODS} (default dpo, rpo, allo [dpo,
 *     allo])
 * @param ceiling whether to also train an SFT model on clean demonstrations only: the capacity ceiling (default
 *     false)
 * @param learningRateGrid when not empty, every method is trained once per value {@code g} (DPO-family rate
 *     {@code g}, ALLO learning rate {@code 10 g} and forgetting rate {@code g}) and the model with the best
 *     validation accuracy is kept (default empty: the rates above)
 * @param sftModel a directory with an SFT model saved by an earlier run with the same task options and seed
 *     ({@code <out>/sft/model}), loaded instead of training one; empty (the default) to train it
 */
public record QuickStartOptions(int problems, int preferenceProblems, int validation, int test, int maxSteps, int hidden, int layers,
        int sftEpochs, double sftLearningRate, int samples, double temperature, double topP, int rewriterEpochs,
        int dpoEpochs, double dpoLearningRate, double alloLearningRate, double forgetLearningRate,
        double warmUpLearningRate, int batchSize, long seed, Path out, TaskKind task, double mistakeFraction,
        Set<SystematicMistake> mistakeClasses, int skillExamples, int skillTest, int rounds, int seeds,
        List<String> methods, boolean ceiling,
        List<Double> learningRateGrid, String sftModel) {

    /** Which task the quick start runs. */
    public enum TaskKind {
        /**
         * Add / subtract problems a small model can learn, SFT demonstrations of which a fraction carries a
         * {@code SystematicMistake}, and a second skill (number words) that no preference pair touches.
         */
        MISTAKES,
        /** The original task: 1-2 step problems with multiplication, clean SFT demonstrations, no second skill. */
        CLASSIC
    }

    /** The preference methods a run can compare with SFT. */
    public static final List<String> KNOWN_METHODS = List.of("dpo", "rpo", "ipo", "simpo", "npo", "allo");

    /** Every mistake class, the default of {@code --mistake-classes}. */
    public static final Set<SystematicMistake> ALL_CLASSES = Set.of(SystematicMistake.values());

    /**
     * The DPO-family rate with the best mean greedy accuracy on the validation problems of seeds 7 to 11 of the
     * systematic-mistakes task (from {3e-5, 1e-4, 3e-4}; ALLO's rates, chosen the same way, are
     * {@link AlloPresets#smallModel()}'s).
     */
    private static final double VALIDATION_CHOSEN_DPO_RATE = 1e-4;

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
        if (task == null) {
            throw new IllegalArgumentException("--task must be set");
        }
        if (!(mistakeFraction >= 0 && mistakeFraction < 1)) {
            throw new IllegalArgumentException("--mistake-fraction must be in [0, 1), got " + mistakeFraction);
        }
        if (mistakeClasses == null || mistakeClasses.isEmpty()) {
            throw new IllegalArgumentException("--mistake-classes must name at least one of "
                    + List.of(SystematicMistake.values()) + ", got " + mistakeClasses);
        }
        mistakeClasses = Set.copyOf(mistakeClasses);
        atLeast("skill-examples", skillExamples, 0);
        if (skillTest < 1 || skillTest > 99) {
            throw new IllegalArgumentException("--skill-test must be in [1, 99], got " + skillTest);
        }
        atLeast("rounds", rounds, 1);
        atLeast("seeds", seeds, 1);
        methods = List.copyOf(methods);
        learningRateGrid = List.copyOf(learningRateGrid);
        if (sftModel == null) {
            throw new IllegalArgumentException("--sft-model must not be null; empty means none");
        }
        for (double g : learningRateGrid) {
            positive("lr-grid", g);
        }
        for (String m : methods) {
            if (!KNOWN_METHODS.contains(m)) {
                throw new IllegalArgumentException("--methods: unknown method '" + m + "'; known: " + KNOWN_METHODS);
            }
        }
    }

    /**
     * The defaults, what the README command runs without arguments: the systematic-mistakes task,
     * {@link #mistakesDefaults()}.
     *
     * @return the default options
     */
    public static QuickStartOptions defaults() {
        return mistakesDefaults();
    }

    /**
     * The defaults of the original task ({@code --task=classic}): 1-2 step problems with multiplication, clean
     * demonstrations, a model of hidden size 96, DPO and ALLO at the rates greedy accuracy on 128 validation
     * problems chose (seed 1, docs/results.md).
     *
     * @return the classic task's default options
     */
    public static QuickStartOptions classicDefaults() {
        return new QuickStartOptions(1000, 256, 64, 200, 2, 96, 2, 6, 3e-3, 4, 1.0, 0.95, 2, 2, 3e-5, 3e-4, 3e-5, 5e-4,
                16, 7, Path.of("allo-output", "quickstart"), TaskKind.CLASSIC, 0.0, ALL_CLASSES, 0, 30, 1, 1,
                List.of("dpo", "allo"), false, List.of(), "");
    }

    /**
     * The defaults of the systematic-mistakes task ({@code --task=mistakes}): one-step problems (on which SFT on clean
     * demonstrations reaches the capacity ceiling, 97.7% test accuracy, docs/results.md), 2,000 training problems, a
     * model of hidden size 128 trained for 10 epochs (with 6, most seeds' SFT models had not learnt the arithmetic
     * yet: 26% validation accuracy on seed 7, against 69% with 10), 30% of the demonstrations with a systematic
     * mistake, 200 problems sampled for preference pairs, and DPO, RPO and ALLO at the rates with the best mean
     * greedy accuracy on the validation problems of seeds 7 to 11 from {@code g} in {3e-5, 1e-4, 3e-4} (DPO and RPO
     * {@code g}, ALLO learning {@code 10 g} and forgetting {@code g}; test problems never used): {@code g = 1e-4}
     * for DPO and RPO, {@code g = 3e-5} for ALLO. ALLO's rates, warm-up rate and batch size are
     * {@link AlloPresets#smallModel()}'s, which come from the same choice.
     *
     * @return the systematic-mistakes task's default options
     */
    public static QuickStartOptions mistakesDefaults() {
        return new QuickStartOptions(2000, 200, 100, 300, 1, 128, 2, 10, 3e-3, 4, 1.0, 0.95, 2, 2,
                VALIDATION_CHOSEN_DPO_RATE, AlloPresets.SMALL_LEARN_LR, AlloPresets.SMALL_FORGET_LR,
                AlloPresets.SMALL_WARM_UP_LR, AlloPresets.SMALL_BATCH, 7, Path.of("allo-output", "quickstart"),
                TaskKind.MISTAKES, 0.3, ALL_CLASSES, 600, 30, 1, 1,
                List.of("dpo", "rpo", "allo"), false, List.of(), "");
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
        Reader r = new Reader(values);
        TaskKind task = r.task();
        QuickStartOptions d = task == TaskKind.MISTAKES ? mistakesDefaults() : classicDefaults();
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
                Path.of(values.getOrDefault("out", d.out.toString())), task,
                r.real("mistake-fraction", d.mistakeFraction), r.classes("mistake-classes", d.mistakeClasses),
                r.integer("skill-examples", d.skillExamples),
                r.integer("skill-test", d.skillTest), r.integer("rounds", d.rounds), r.integer("seeds", d.seeds),
                r.list("methods", d.methods), r.bool("ceiling", d.ceiling), r.reals("lr-grid", d.learningRateGrid),
                r.text("sft-model", d.sftModel));
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
                alloLearningRate, forgetLearningRate, warmUpLearningRate, batchSize, value, out, task, mistakeFraction,
                mistakeClasses, skillExamples, skillTest, rounds, seeds, methods, ceiling, learningRateGrid, sftModel);
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
                alloLearningRate, forgetLearningRate, warmUpLearningRate, batchSize, seed, value, task, mistakeFraction,
                mistakeClasses, skillExamples, skillTest, rounds, seeds, methods, ceiling, learningRateGrid, sftModel);
    }

    /**
     * A copy with other learning rates.
     *
     * @param dpo DPO's (and the other baselines')
     * @param allo ALLO's learning stage's
     * @param forget ALLO's forgetting stage's
     * @return the copy
     */
    public QuickStartOptions withLearningRates(double dpo, double allo, double forget) {
        return new QuickStartOptions(problems, preferenceProblems, validation, test, maxSteps, hidden, layers,
                sftEpochs, sftLearningRate, samples, temperature, topP, rewriterEpochs, dpoEpochs, dpo,
                allo, forget, warmUpLearningRate, batchSize, seed, out, task, mistakeFraction,
                mistakeClasses, skillExamples, skillTest, rounds, seeds, methods, ceiling, learningRateGrid, sftModel);
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
        m.put("task", task.name().toLowerCase(java.util.Locale.ROOT) + (task == TaskKind.MISTAKES
                ? ", mistake fraction " + mistakeFraction + " of " + new java.util.TreeSet<>(mistakeClasses) + ", "
                        + skillExamples + " number-word demonstrations, "
                        + skillTest + " held-out numbers" : ""));
        m.put("methods", String.join(", ", methods) + ", " + rounds + " on-policy round(s)"
                + (ceiling ? "; capacity ceiling (SFT on clean demonstrations)" : "")
                + (learningRateGrid.isEmpty() ? "" : "; rates chosen on validation from grid " + learningRateGrid
                        + " (ALLO learn 10x, forget 1x)"));
        m.put("seed", seeds == 1 ? Long.toString(seed) : seeds + " seeds from " + seed);
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

        TaskKind task() {
            used.add("task");
            String v = values.get("task");
            if (v == null) {
                return TaskKind.MISTAKES;
            }
            return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "classic" -> TaskKind.CLASSIC;
                case "mistakes" -> TaskKind.MISTAKES;
                default -> throw new IllegalArgumentException("--task must be classic or mistakes, got '" + v
                        + "'");
            };
        }

        List<String> list(String key, List<String> fallback) {
            used.add(key);
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            List<String> out = new java.util.ArrayList<>();
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim().toLowerCase(java.util.Locale.ROOT));
                }
            }
            return out;
        }

        Set<SystematicMistake> classes(String key, Set<SystematicMistake> fallback) {
            Set<SystematicMistake> out = EnumSet.noneOf(SystematicMistake.class);
            for (String part : list(key, List.of())) {
                try {
                    out.add(SystematicMistake.valueOf(part.toUpperCase(java.util.Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--" + key + ": unknown class '" + part + "'; known: "
                            + List.of(SystematicMistake.values()), e);
                }
            }
            return values.containsKey(key) ? out : fallback;
        }

        List<Double> reals(String key, List<Double> fallback) {
            List<Double> out = new java.util.ArrayList<>();
            for (String part : list(key, List.of())) {
                try {
                    out.add(Double.parseDouble(part));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--" + key + " must be numbers separated by commas, got '"
                            + values.get(key) + "'", e);
                }
            }
            return values.containsKey(key) ? out : fallback;
        }

        String text(String key, String fallback) {
            used.add(key);
            return values.getOrDefault(key, fallback).trim();
        }

        boolean bool(String key, boolean fallback) {
            used.add(key);
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            return switch (v.trim()) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("--" + key + " must be true or false, got '" + v + "'");
            };
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
