package dev.allo.cli.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.allo.AlloException;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.ReportingConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes an {@link AlignmentConfig} in the command line's keys, every setting explicit, so that reading the text
 * back ({@link RunConfigs}) gives an equal configuration. Three shapes are representable: ALLO (a locate stage and
 * the stages {@code forget} (token-level NPO) and {@code learn} (token-weighted DPO) on score-selected masks), one
 * full-parameter stage with unweighted tokens named after its objective ({@code train}), and a locate stage alone.
 * Anything else (tensor include/exclude globs, mask files, custom token scorers, other stage names) is refused with
 * the reason: the library's JSON ({@code AlignmentConfigJson}) holds every configuration.
 */
public final class ConfigTree {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigTree() {}

    /**
     * The configuration as nested maps: top-level keys, then one map per section.
     *
     * @param config the configuration
     * @return the tree, in documentation order
     * @throws ConfigException when the configuration has no representation in these keys
     */
    public static Map<String, Object> of(AlignmentConfig config) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("seed", config.seed());
        top.put("max_length", config.maxLength());
        top.put("max_prompt_length", config.maxPromptLength());
        top.put("log_prob_chunk", config.logProbChunk());
        RunConfigs.STORAGE_DTYPES.forEach((name, storage) -> {
            if (storage == config.weightStorage()) {
                top.put("storage_dtype", name);
            }
        });
        ReportingConfig reporting = config.reporting();
        top.put("logging_steps", reporting.loggingSteps());
        top.put("save_steps", reporting.saveSteps());
        top.put("save_total_limit", reporting.saveTotalLimit());
        top.put("report_to", reporting.reportTo().stream().map(ConfigTree::lower).collect(Collectors.joining(",")));
        List<StageConfig> stages = config.stages();
        if (config.locate() == null) {
            if (stages.size() != 1) {
                throw unrepresentable("a run without a locate stage must have exactly one stage, got "
                        + stages.size());
            }
            StageConfig stage = stages.get(0);
            if (stage.mask().kind() != MaskRule.Kind.ALL || stage.rewards() != TokenRewards.NONE) {
                throw unrepresentable("a single stage must train every weight with unweighted tokens, got mask "
                        + stage.mask().kind() + " and rewards " + stage.rewards());
            }
            if (!stage.name().equals(RunConfigs.stageName(stage.objective()))) {
                throw unrepresentable("a single stage is named after its objective ('"
                        + RunConfigs.stageName(stage.objective()) + "'), got '" + stage.name() + "'");
            }
            objective(stage.objective(), top);
            training(stage.training(), top);
            return top;
        }
        top.put("locate", locate(config.locate()));
        for (StageConfig stage : stages) {
            top.put(stage.name(), switch (stage.name()) {
                case "forget" -> forget(stage);
                case "learn" -> learn(stage);
                default -> throw unrepresentable("ALLO's stages are 'forget' and 'learn', got '" + stage.name()
                        + "'");
            });
        }
        if (!stages.isEmpty() && !stages.stream().map(StageConfig::name).toList().equals(List.of("forget", "learn"))) {
            throw unrepresentable("ALLO runs the stages [forget, learn] in this order, got "
                    + stages.stream().map(StageConfig::name).toList());
        }
        return top;
    }

    /**
     * The configuration as YAML text.
     *
     * @param config the configuration
     * @return the text
     */
    public static String yaml(AlignmentConfig config) {
        return text(YAML, of(config));
    }

    /**
     * The configuration as JSON text.
     *
     * @param config the configuration
     * @return the text
     */
    public static String json(AlignmentConfig config) {
        return text(JSON, of(config)) + "\n";
    }

    /**
     * Writes the configuration atomically, as JSON for a {@code .json} file and YAML otherwise.
     *
     * @param config the configuration
     * @param file the target
     * @throws AlloException when the file cannot be written
     */
    public static void write(AlignmentConfig config, Path file) {
        String text = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json") ? json(config)
                : yaml(config);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AlloException("cannot write configuration " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(ObjectMapper mapper, Map<String, Object> tree) {
        try {
            return mapper.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new AlloException("cannot encode the configuration: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, Object> locate(LocateConfig locate) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", lower(locate.method()));
        m.put("seed", locate.seed());
        objective(locate.warmUpObjective(), m);
        training(locate.warmUp(), m);
        return m;
    }

    private static Map<String, Object> forget(StageConfig stage) {
        if (!(stage.objective() instanceof ObjectiveConfig.TokenNpo npo)) {
            throw unrepresentable("stage 'forget' is token-level NPO, got " + stage.objective().name());
        }
        if (stage.rewards() == TokenRewards.CUSTOM) {
            throw unrepresentable("stage 'forget' takes rewards from the rewriter, edit distance or none, got CUSTOM");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        mask(stage, m);
        m.put("reward_threshold", stage.rewardThreshold());
        m.put("token_rewards", lower(stage.rewards()));
        m.put("beta", npo.beta());
        training(stage.training(), m);
        return m;
    }

    private static Map<String, Object> learn(StageConfig stage) {
        if (!(stage.objective() instanceof ObjectiveConfig.TokenDpo dpo)) {
            throw unrepresentable("stage 'learn' is token-weighted DPO, got " + stage.objective().name());
        }
        if (stage.rewards() != TokenRewards.NONE || stage.rewardThreshold() != StageConfig.DEFAULT_THRESHOLD) {
            throw unrepresentable("stage 'learn' has unweighted tokens, got rewards " + stage.rewards());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        mask(stage, m);
        m.put("noisy_token_ratio", dpo.noisyTokenRatio());
        m.put("beta", dpo.beta());
        training(stage.training(), m);
        return m;
    }

    private static void mask(StageConfig stage, Map<String, Object> m) {
        MaskRule rule = stage.mask();
        if (!rule.include().isEmpty() || !rule.exclude().isEmpty()) {
            throw unrepresentable("stage '" + stage.name() + "' filters tensors by name (include/exclude globs)");
        }
        String type = switch (rule.kind()) {
            case GLOBAL_TOP_K -> "top_k";
            case PER_TENSOR_TOP_K -> "per_tensor_top_k";
            case LAST_K -> "last_k";
            case RANDOM -> "random";
            case ALL, FILE -> throw unrepresentable("stage '" + stage.name() + "' selects its neurons from the"
                    + " importance scores in ALLO, got mask " + rule.kind());
        };
        m.put("neuron_ratio", rule.ratio());
        m.put("mask_type", type);
    }

    private static void objective(ObjectiveConfig objective, Map<String, Object> m) {
        ObjectiveConfig base = objective instanceof ObjectiveConfig.WithSft w ? w.base() : objective;
        if (base instanceof ObjectiveConfig.Dpo o) {
            put(m, "sigmoid", o.beta());
        } else if (base instanceof ObjectiveConfig.ConservativeDpo o) {
            put(m, "sigmoid", o.beta());
            m.put("label_smoothing", o.labelSmoothing());
        } else if (base instanceof ObjectiveConfig.Ipo o) {
            put(m, "ipo", o.beta());
        } else if (base instanceof ObjectiveConfig.Hinge o) {
            put(m, "hinge", o.beta());
        } else if (base instanceof ObjectiveConfig.BcoPair o) {
            put(m, "bco_pair", o.beta());
        } else if (base instanceof ObjectiveConfig.SimPo o) {
            put(m, "simpo", o.beta());
            m.put("simpo_gamma", o.gamma());
        } else if (base instanceof ObjectiveConfig.RDpo o) {
            put(m, "rdpo", o.beta());
            m.put("rdpo_alpha", o.alpha());
        } else if (base instanceof ObjectiveConfig.Npo o) {
            put(m, "npo", o.beta());
        } else if (base instanceof ObjectiveConfig.Sft) {
            m.put("loss_type", "sft");
        } else if (base instanceof ObjectiveConfig.TokenDpo o) {
            put(m, "token_dpo", o.beta());
            m.put("noisy_token_ratio", o.noisyTokenRatio());
        } else if (base instanceof ObjectiveConfig.TokenNpo o) {
            put(m, "token_npo", o.beta());
        } else {
            throw unrepresentable("objective " + base.name() + " has no loss_type");
        }
        if (objective instanceof ObjectiveConfig.WithSft w) {
            m.put("rpo_alpha", w.alpha());
        }
    }

    private static void put(Map<String, Object> m, String lossType, double beta) {
        m.put("loss_type", lossType);
        m.put("beta", beta);
    }

    private static void training(TrainingConfig t, Map<String, Object> m) {
        m.put("learning_rate", t.learningRate());
        m.put("per_device_train_batch_size", t.microBatchSize());
        m.put("gradient_accumulation_steps", t.accumulationSteps());
        m.put("num_train_epochs", t.epochs());
        m.put("max_steps", t.maxSteps());
        m.put("warmup_ratio", t.warmupRatio());
        m.put("weight_decay", t.weightDecay());
        m.put("max_grad_norm", t.maxGradNorm());
        m.put("lr_scheduler_type", lower(t.schedule()));
        m.put("optim", lower(t.optimizer()));
        m.put("gradient_checkpointing", t.gradientCheckpointing());
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static ConfigException unrepresentable(String why) {
        return new ConfigException("this configuration cannot be written in the command line's keys: " + why
                + "; save it with the library's AlignmentConfigJson instead");
    }
}
