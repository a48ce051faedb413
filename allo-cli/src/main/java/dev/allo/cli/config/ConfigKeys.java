package dev.allo.cli.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every key the command line's configuration accepts. Training settings and {@code beta} carry TRL's
 * {@code DPOConfig} / {@code TrainingArguments} names and may be written at the top level (every stage) or inside a
 * section ({@code locate}, {@code forget}, {@code learn}: that stage only); ALLO's own settings (arXiv 2406.12606,
 * Table 5) live in their stage's section under the paper's names.
 */
public final class ConfigKeys {
    /** The sections, one per ALLO stage (Sec. 4.1 to 4.3). */
    public static final List<String> SECTIONS = List.of("locate", "forget", "learn");

    private static final Set<String> EVERYWHERE = Set.of(ConfigKey.TOP, "locate", "forget", "learn");
    private static final Set<String> TOP_ONLY = Set.of(ConfigKey.TOP);
    private static final Set<String> OBJECTIVE = Set.of(ConfigKey.TOP, "locate");

    private static final Map<String, ConfigKey> KEYS = new LinkedHashMap<>();

    static {
        // TRL's names (DPOConfig and the TrainingArguments it extends).
        training("learning_rate", "peak learning rate");
        training("per_device_train_batch_size", "pairs per forward pass (micro-batch)");
        training("gradient_accumulation_steps", "micro-batches per optimiser step");
        training("num_train_epochs", "passes over the data (a whole number)");
        training("max_steps", "upper bound on optimiser steps; 0 or -1 for none");
        training("warmup_ratio", "fraction of the steps warming the learning rate up, in [0, 1)");
        training("weight_decay", "decoupled weight decay, >= 0");
        training("max_grad_norm", "global gradient-norm clipping, 0 for none");
        training("lr_scheduler_type", "constant, linear or cosine (after the warm-up)");
        training("optim", "sparse_adamw, dense_masked_adamw or masked_sgd");
        training("gradient_checkpointing", "true to recompute each decoder block's activations in the backward pass"
                + " instead of keeping them (less memory, about one more forward pass)");
        add("beta", EVERYWHERE, true, "inverse temperature of the loss (NPO and DPO beta of Table 5)");
        add("loss_type", OBJECTIVE, false, "objective of `train` (top level) or of the locate warm-up: sigmoid (DPO),"
                + " ipo, hinge, bco_pair, simpo, rdpo, npo, sft, token_dpo, token_npo");
        add("label_smoothing", OBJECTIVE, false, "cDPO's label-flip probability for loss_type sigmoid, in [0, 0.5]");
        add("simpo_gamma", OBJECTIVE, false, "SimPO's target margin gamma, >= 0");
        add("rpo_alpha", OBJECTIVE, false, "weight of an added SFT term on the chosen responses, >= 0");
        add("rdpo_alpha", OBJECTIVE, false, "R-DPO's length penalty per token, >= 0");
        add("seed", Set.of(ConfigKey.TOP, "locate"), false, "seed of data order and random masks (locate: of"
                + " random importance scores)");
        add("max_length", TOP_ONLY, false, "longest prompt + response in tokens");
        add("max_prompt_length", TOP_ONLY, false, "longest prompt in tokens");
        add("log_prob_chunk", TOP_ONLY, false, "positions per log-prob chunk, 0 for all at once");
        add("storage_dtype", TOP_ONLY, false, "how the scalars no stage trains are held: auto (bfloat16 for a"
                + " bfloat16 checkpoint, lossless; else float32), float32, bfloat16 or float16 (rounded)");
        add("logging_steps", TOP_ONLY, false, "optimiser steps between logged lines and report rows, >= 1");
        add("save_steps", TOP_ONLY, false, "optimiser steps between numbered checkpoints <stage>/checkpoint-<step>/,"
                + " 0 for none");
        add("save_total_limit", TOP_ONLY, false, "numbered checkpoints kept per stage (the newest), 0 for all");
        add("report_to", TOP_ONLY, false, "comma-separated report targets: jsonl, csv, tensorboard, or none");
        // ALLO's own settings, under the paper's names.
        add("method", Set.of("locate"), false, "importance estimator: weight_delta (Eq. 4), accumulated_gradient,"
                + " random");
        add("neuron_ratio", Set.of("forget", "learn"), false, "selected neuron ratio k1 (forget) / k2 (learn),"
                + " in (0, 1]");
        add("mask_type", Set.of("forget", "learn"), false, "top_k (the paper's), per_tensor_top_k, last_k, random");
        add("reward_threshold", Set.of("forget"), false, "threshold u of the token rewards, Eq. (5), in (0, 1]");
        add("token_rewards", Set.of("forget"), false, "rewriter (Eq. 5), edit_distance or none");
        add("noisy_token_ratio", Set.of(ConfigKey.TOP, "locate", "learn"), false,
                "threshold v of the noisy-token filter, Eq. (8), in [0, 1]");
    }

    private ConfigKeys() {}

    private static void training(String name, String meaning) {
        add(name, EVERYWHERE, true, meaning);
    }

    private static void add(String name, Set<String> sections, boolean inherited, String meaning) {
        KEYS.put(name, new ConfigKey(name, sections, inherited, meaning));
    }

    /**
     * Every key, in documentation order.
     *
     * @return the keys
     */
    public static List<ConfigKey> all() {
        return List.copyOf(KEYS.values());
    }

    /**
     * The key of a name.
     *
     * @param name a key name without its section
     * @return the key, or empty when there is none
     */
    public static Optional<ConfigKey> find(String name) {
        return Optional.ofNullable(KEYS.get(name));
    }

    /**
     * Checks a dotted key ({@code learning_rate}, {@code forget.neuron_ratio}).
     *
     * @param entry the entry
     * @throws ConfigException naming the key, where it was written and what is allowed there
     */
    public static void check(ConfigEntry entry) {
        String key = entry.key();
        int dot = key.indexOf('.');
        String section = dot < 0 ? ConfigKey.TOP : key.substring(0, dot);
        String name = dot < 0 ? key : key.substring(dot + 1);
        if (!section.isEmpty() && !SECTIONS.contains(section)) {
            throw new ConfigException(entry.origin() + ": unknown section '" + section + "' in key '" + key
                    + "'; expected one of " + SECTIONS);
        }
        ConfigKey k = KEYS.get(name);
        if (k == null) {
            throw new ConfigException(entry.origin() + ": unknown key '" + key + "'; expected one of "
                    + namesIn(section));
        }
        if (!k.sections().contains(section)) {
            throw new ConfigException(entry.origin() + ": key '" + name + "' is not allowed "
                    + (section.isEmpty() ? "at the top level" : "in section '" + section + "'") + "; it belongs "
                    + where(k));
        }
    }

    private static List<String> namesIn(String section) {
        return KEYS.values().stream().filter(k -> k.sections().contains(section)).map(ConfigKey::name).toList();
    }

    private static String where(ConfigKey k) {
        List<String> places = k.sections().stream().sorted()
                .map(s -> s.isEmpty() ? "at the top level" : "in '" + s + "'").toList();
        return String.join(" or ", places);
    }
}
