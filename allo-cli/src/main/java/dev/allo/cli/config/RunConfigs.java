package dev.allo.cli.config;

import dev.allo.data.TruncationPolicy;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.ReportTarget;
import dev.allo.pipeline.ReportingConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.pipeline.WeightStorage;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns {@link Settings} into the library's {@link AlignmentConfig}, for each shape of run the command line has:
 * ALLO ({@code align}: locate, forget, learn), one full-parameter stage ({@code train}) and the locate stage alone
 * ({@code locate}). {@link ConfigTree} writes an {@code AlignmentConfig} back in the same keys.
 *
 * <p>Each value is looked up in the stage's section, then at the top level (training keys and {@code beta}), then
 * falls back to the library's default or, for learning rates, epochs and batch sizes, to {@link ScaleDefaults}.
 */
public final class RunConfigs {
    /** {@code loss_type} values: TRL's names where TRL has the loss, else the library's objective names. */
    static final List<String> LOSS_TYPES = List.of("sigmoid", "ipo", "hinge", "bco_pair", "simpo", "rdpo", "npo",
            "sft", "token_dpo", "token_npo");

    private static final Map<String, Boolean> BOOLEANS = new LinkedHashMap<>(Map.of("true", true));

    static {
        BOOLEANS.put("false", false);
    }

    private RunConfigs() {}

    /**
     * The ALLO pipeline: locate key neurons, forget (token-level NPO), learn (token-weighted DPO).
     *
     * @param s the settings
     * @param d the size-fitted defaults
     * @param rewriter whether a rewriting model was given (the default token rewards are then the rewriter's,
     *     Eq. 5; otherwise the model-free edit distance)
     * @return the configuration
     * @throws ConfigException naming a key whose value does not fit
     */
    public static AlignmentConfig align(Settings s, ScaleDefaults d, boolean rewriter) {
        return globals(s, locate(s, d), List.of(forget(s, d, rewriter), learn(s, d)));
    }

    /**
     * One full-parameter stage of {@code loss_type}, named after its objective ({@code dpo}, {@code ipo},
     * {@code dpo_sft}, ...).
     *
     * @param s the settings
     * @param d the size-fitted defaults
     * @return the configuration
     */
    public static AlignmentConfig train(Settings s, ScaleDefaults d) {
        ObjectiveConfig objective = objective(s, ConfigKey.TOP, "sigmoid");
        TrainingConfig training = training(s, ConfigKey.TOP, d, d.trainLearningRate(objective), d.longEpochs());
        return globals(s, null, List.of(StageConfig.of(stageName(objective), objective, training)));
    }

    /**
     * The locate stage alone (importance scores).
     *
     * @param s the settings
     * @param d the size-fitted defaults
     * @return the configuration
     */
    public static AlignmentConfig locateOnly(Settings s, ScaleDefaults d) {
        return globals(s, locate(s, d), List.of());
    }

    /**
     * The stage name {@code train} gives an objective.
     *
     * @param objective the objective
     * @return its name with {@code +} as {@code _}
     */
    public static String stageName(ObjectiveConfig objective) {
        return objective.name().replace('+', '_');
    }

    /**
     * The truncation limits {@code max_length} and {@code max_prompt_length} (defaults 512 and 256).
     *
     * @param s the settings
     * @return the policy
     */
    public static TruncationPolicy truncation(Settings s) {
        AlignmentConfig c = globals(s, null, List.of(StageConfig.of("lengths", new ObjectiveConfig.Sft(),
                TrainingConfig.defaults())));
        return TruncationPolicy.of(c.maxLength(), c.maxPromptLength());
    }

    /**
     * The threshold {@code u} of Eq. (5), {@code forget.reward_threshold} (default 0.95).
     *
     * @param s the settings
     * @return {@code u}
     */
    public static double rewardThreshold(Settings s) {
        return s.real("forget", "reward_threshold", StageConfig.DEFAULT_THRESHOLD, v -> v > 0 && v <= 1,
                "a number in (0, 1]");
    }

    private static AlignmentConfig globals(Settings s, LocateConfig locate, List<StageConfig> stages) {
        long seed = s.whole(ConfigKey.TOP, "seed", 42, Long.MIN_VALUE);
        int maxLength = s.integer(ConfigKey.TOP, "max_length", 512, 2);
        int maxPrompt = s.integer(ConfigKey.TOP, "max_prompt_length", Math.min(256, maxLength - 1), 1);
        if (maxPrompt >= maxLength) {
            throw Settings.bad(s.find(ConfigKey.TOP, "max_prompt_length")
                    .orElseGet(() -> s.find(ConfigKey.TOP, "max_length").orElseThrow()),
                    "max_prompt_length < max_length (" + maxPrompt + " >= " + maxLength + ")");
        }
        int chunk = s.integer(ConfigKey.TOP, "log_prob_chunk", 0, 0);
        return new AlignmentConfig(locate, stages, seed, maxLength, maxPrompt, chunk, reporting(s),
                s.choice(ConfigKey.TOP, "storage_dtype", STORAGE_DTYPES, WeightStorage.AUTO));
    }

    /** {@code storage_dtype}: torch's dtype names (as TRL's {@code torch_dtype}) for {@link WeightStorage}. */
    static final Map<String, WeightStorage> STORAGE_DTYPES = storageDtypes();

    private static Map<String, WeightStorage> storageDtypes() {
        Map<String, WeightStorage> names = new LinkedHashMap<>();
        names.put("auto", WeightStorage.AUTO);
        names.put("float32", WeightStorage.FLOAT32);
        names.put("bfloat16", WeightStorage.BF16);
        names.put("float16", WeightStorage.F16);
        return Collections.unmodifiableMap(names);
    }

    /**
     * TRL's {@code logging_steps}, {@code save_steps}, {@code save_total_limit} and {@code report_to} (a
     * comma-separated list), with the library's defaults for those not set.
     */
    private static ReportingConfig reporting(Settings s) {
        ReportingConfig d = ReportingConfig.defaults();
        long logging = s.whole(ConfigKey.TOP, "logging_steps", d.loggingSteps(), 1);
        long save = s.whole(ConfigKey.TOP, "save_steps", d.saveSteps(), 0);
        int limit = s.integer(ConfigKey.TOP, "save_total_limit", d.saveTotalLimit(), 0);
        Set<ReportTarget> targets = d.reportTo();
        Optional<ConfigEntry> reportTo = s.find(ConfigKey.TOP, "report_to");
        if (reportTo.isPresent()) {
            targets = EnumSet.noneOf(ReportTarget.class);
            try {
                for (String name : reportTo.get().text().split(",", -1)) {
                    targets.add(ReportTarget.parse(name));
                }
                return new ReportingConfig(logging, save, limit, targets);
            } catch (IllegalArgumentException e) {
                throw Settings.bad(reportTo.get(), "a comma-separated list of jsonl, csv, tensorboard, or none alone");
            }
        }
        return new ReportingConfig(logging, save, limit, targets);
    }

    private static LocateConfig locate(Settings s, ScaleDefaults d) {
        LocateConfig.Method method = s.choice("locate", "method", enumChoices(LocateConfig.Method.values()),
                LocateConfig.Method.WEIGHT_DELTA);
        ObjectiveConfig warmUp = objective(s, "locate", "sigmoid");
        TrainingConfig training = training(s, "locate", d, d.warmUpLearningRate(), 1);
        long seed = s.whole("locate", "seed", s.whole(ConfigKey.TOP, "seed", 42, Long.MIN_VALUE), Long.MIN_VALUE);
        return new LocateConfig(method, warmUp, training, seed);
    }

    private static StageConfig forget(Settings s, ScaleDefaults d, boolean rewriter) {
        double beta = s.real("forget", "beta", ObjectiveConfig.DEFAULT_BETA, RunConfigs::finitePositive,
                "a number > 0");
        double ratio = ratio(s, "forget", 0.05);
        double u = s.real("forget", "reward_threshold", StageConfig.DEFAULT_THRESHOLD, v -> v > 0 && v <= 1,
                "a number in (0, 1]");
        Map<String, TokenRewards> rewards = new LinkedHashMap<>();
        rewards.put("rewriter", TokenRewards.REWRITER);
        rewards.put("edit_distance", TokenRewards.EDIT_DISTANCE);
        rewards.put("none", TokenRewards.NONE);
        TokenRewards source = s.choice("forget", "token_rewards", rewards,
                rewriter ? TokenRewards.REWRITER : TokenRewards.EDIT_DISTANCE);
        return new StageConfig("forget", new ObjectiveConfig.TokenNpo(beta), mask(s, "forget", ratio), source, u,
                training(s, "forget", d, d.forgetLearningRate(), 1));
    }

    private static StageConfig learn(Settings s, ScaleDefaults d) {
        double beta = s.real("learn", "beta", ObjectiveConfig.DEFAULT_BETA, RunConfigs::finitePositive,
                "a number > 0");
        double ratio = ratio(s, "learn", 0.10);
        double v = s.real("learn", "noisy_token_ratio", 0.20, x -> x >= 0 && x <= 1, "a number in [0, 1]");
        return new StageConfig("learn", new ObjectiveConfig.TokenDpo(beta, v), mask(s, "learn", ratio),
                TokenRewards.NONE, StageConfig.DEFAULT_THRESHOLD, training(s, "learn", d, d.learnLearningRate(),
                        d.longEpochs()));
    }

    private static double ratio(Settings s, String section, double fallback) {
        return s.real(section, "neuron_ratio", fallback, v -> v > 0 && v <= 1, "a number in (0, 1]");
    }

    private static MaskRule mask(Settings s, String section, double ratio) {
        Map<String, MaskRule.Kind> kinds = new LinkedHashMap<>();
        kinds.put("top_k", MaskRule.Kind.GLOBAL_TOP_K);
        kinds.put("per_tensor_top_k", MaskRule.Kind.PER_TENSOR_TOP_K);
        kinds.put("last_k", MaskRule.Kind.LAST_K);
        kinds.put("random", MaskRule.Kind.RANDOM);
        return MaskRule.of(s.choice(section, "mask_type", kinds, MaskRule.Kind.GLOBAL_TOP_K), ratio);
    }

    /**
     * The training settings of a section.
     *
     * @param s the settings
     * @param section the section, or the top level for {@code train}
     * @param d the size-fitted defaults
     * @param learningRate the stage's default learning rate
     * @param epochs the stage's default epochs
     * @return the training config
     */
    static TrainingConfig training(Settings s, String section, ScaleDefaults d, double learningRate, int epochs) {
        Map<String, TrainingConfig.OptimizerKind> optimizers = enumChoices(TrainingConfig.OptimizerKind.values());
        Map<String, TrainingConfig.ScheduleKind> schedules = enumChoices(TrainingConfig.ScheduleKind.values());
        schedules.put("constant_with_warmup", TrainingConfig.ScheduleKind.CONSTANT);
        int micro = s.integer(section, "per_device_train_batch_size", d.microBatch(), 1);
        int accumulation = s.integer(section, "gradient_accumulation_steps", d.accumulation(micro), 1);
        long batch = (long) micro * accumulation;
        if (batch > Integer.MAX_VALUE) {
            throw Settings.bad(s.find(section, "gradient_accumulation_steps").orElseThrow(),
                    "per_device_train_batch_size * gradient_accumulation_steps <= " + Integer.MAX_VALUE);
        }
        long maxSteps = Math.max(0, s.whole(section, "max_steps", 0, -1));
        int epochCount = s.integer(section, "num_train_epochs", epochs, 1);
        long steps = (d.pairs() / batch) * epochCount;
        steps = maxSteps > 0 ? Math.min(steps, maxSteps) : steps;
        return new TrainingConfig(
                s.choice(section, "optim", optimizers, TrainingConfig.OptimizerKind.SPARSE_ADAMW),
                s.real(section, "learning_rate", learningRate, RunConfigs::finitePositive, "a number > 0"),
                s.choice(section, "lr_scheduler_type", schedules, TrainingConfig.ScheduleKind.COSINE),
                s.real(section, "warmup_ratio", d.warmupRatio(steps), v -> v >= 0 && v < 1, "a number in [0, 1)"),
                s.real(section, "weight_decay", 0.0, v -> v >= 0 && !Double.isInfinite(v), "a number >= 0"),
                s.real(section, "max_grad_norm", 1.0, v -> v >= 0 && !Double.isInfinite(v),
                        "a number >= 0 (0 = no clipping)"),
                (int) batch, micro, epochCount, maxSteps,
                s.choice(section, "gradient_checkpointing", BOOLEANS, false));
    }

    /**
     * The objective of {@code loss_type} and its parameters in a section.
     *
     * @param s the settings
     * @param section the top level ({@code train}) or {@code locate} (the warm-up)
     * @param fallback the default loss type
     * @return the objective
     */
    static ObjectiveConfig objective(Settings s, String section, String fallback) {
        Map<String, String> types = new LinkedHashMap<>();
        LOSS_TYPES.forEach(t -> types.put(t, t));
        types.put("dpo", "sigmoid");
        String type = s.choice(section, "loss_type", types, fallback);
        double beta = s.real(section, "beta", defaultBeta(type), RunConfigs::finitePositive, "a number > 0");
        ObjectiveConfig base = switch (type) {
            case "sigmoid" -> {
                double eps = s.real(section, "label_smoothing", 0.0, v -> v >= 0 && v <= 0.5, "a number in [0, 0.5]");
                yield eps > 0 ? new ObjectiveConfig.ConservativeDpo(beta, eps) : new ObjectiveConfig.Dpo(beta);
            }
            case "ipo" -> new ObjectiveConfig.Ipo(beta);
            case "hinge" -> new ObjectiveConfig.Hinge(beta);
            case "bco_pair" -> new ObjectiveConfig.BcoPair(beta);
            case "simpo" -> new ObjectiveConfig.SimPo(beta, nonNegative(s, section, "simpo_gamma",
                    ObjectiveConfig.SimPo.defaults().gamma()));
            case "rdpo" -> new ObjectiveConfig.RDpo(beta, nonNegative(s, section, "rdpo_alpha",
                    ObjectiveConfig.RDpo.defaults().alpha()));
            case "npo" -> new ObjectiveConfig.Npo(beta);
            case "sft" -> new ObjectiveConfig.Sft();
            case "token_dpo" -> new ObjectiveConfig.TokenDpo(beta, s.real(section, "noisy_token_ratio",
                    ObjectiveConfig.TokenDpo.defaults().noisyTokenRatio(), x -> x >= 0 && x <= 1,
                    "a number in [0, 1]"));
            case "token_npo" -> new ObjectiveConfig.TokenNpo(beta);
            default -> throw new IllegalStateException("loss_type " + type);
        };
        if (s.isSet(section, "rpo_alpha") && !(base instanceof ObjectiveConfig.Sft)) {
            return new ObjectiveConfig.WithSft(base, nonNegative(s, section, "rpo_alpha", 1.0));
        }
        return base;
    }

    private static double defaultBeta(String type) {
        return "simpo".equals(type) ? ObjectiveConfig.SimPo.defaults().beta() : ObjectiveConfig.DEFAULT_BETA;
    }

    private static double nonNegative(Settings s, String section, String name, double fallback) {
        return s.real(section, name, fallback, v -> v >= 0 && !Double.isInfinite(v), "a number >= 0");
    }

    private static boolean finitePositive(double v) {
        return v > 0 && !Double.isInfinite(v);
    }

    /**
     * Lower-case names of enum constants, in declaration order.
     *
     * @param values the constants
     * @param <E> the enum
     * @return name to constant
     */
    static <E extends Enum<E>> Map<String, E> enumChoices(E[] values) {
        Map<String, E> out = new LinkedHashMap<>();
        for (E v : values) {
            out.put(v.name().toLowerCase(java.util.Locale.ROOT), v);
        }
        return out;
    }
}
