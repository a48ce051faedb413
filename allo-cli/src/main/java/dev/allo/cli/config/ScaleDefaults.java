package dev.allo.cli.config;

import dev.allo.objective.ObjectiveConfig;

/**
 * The defaults of the settings a configuration leaves out, fitted to the model's size and the data's size.
 *
 * <p><b>Learning rates</b> move on a log scale between two measured anchors: the quick start's tiny model
 * ({@value #TOY_PARAMETERS} parameters: warm-up 5e-4, forgetting 3e-5, learning 3e-4, DPO 3e-5, SFT 3e-3, chosen on
 * validation problems) and a 7B model (ALLO Table 5, question answering: forgetting 1e-7, learning 5e-6, with the
 * warm-up at the library's 5e-6; TRL's DPO default 1e-6; SFT 2e-5). For {@code P} parameters,
 * {@code t = clamp((ln P - ln P_toy) / (ln P_7B - ln P_toy), 0, 1)} and {@code lr = lr_toy^(1 - t) * lr_7B^t}.
 * Example: a 0.5B model gets a learning-stage rate of about 1.4e-5.
 *
 * <p><b>Epochs</b>: below {@value #SMALL_PARAMETERS} parameters the learning stage and {@code train} run two epochs
 * (as the quick start), otherwise one; the warm-up and the forgetting stage run one (Sec. 4.1, 4.2).
 *
 * <p><b>Batches</b>: TRL's {@code per_device_train_batch_size} default of 8 pairs per forward pass (fewer when the
 * data has fewer pairs) and up to 4 accumulated micro-batches, so an optimiser step sees up to 32 pairs (Table 5,
 * question answering) but never more pairs than the data holds. The warm-up ratio is the library's 0.1, except
 * for a stage of a single step, which gets none (a warm-up would leave its only step at learning rate 0).
 *
 * @param parameters the model's parameter count, at least 1
 * @param pairs the training pairs, at least 1
 */
public record ScaleDefaults(long parameters, long pairs) {
    /** Parameters of the quick start's model (hidden 96, 2 layers), the small anchor. */
    public static final long TOY_PARAMETERS = 250_000L;
    /** The large anchor, a 7B model. */
    public static final long LARGE_PARAMETERS = 7_000_000_000L;
    /** Below this, two epochs for the learning stage and {@code train}. */
    public static final long SMALL_PARAMETERS = 100_000_000L;

    /** Checks the counts. */
    public ScaleDefaults {
        if (parameters < 1 || pairs < 1) {
            throw new IllegalArgumentException("parameters and pairs must be >= 1, got " + parameters + ", " + pairs);
        }
    }

    /**
     * The warm-up's learning rate (locate stage, Eq. 4).
     *
     * @return the rate
     */
    public double warmUpLearningRate() {
        return between(5e-4, 5e-6);
    }

    /**
     * The forgetting stage's learning rate (Table 5 stage 1 at 7B).
     *
     * @return the rate
     */
    public double forgetLearningRate() {
        return between(3e-5, 1e-7);
    }

    /**
     * The learning stage's learning rate (Table 5 stage 2 at 7B).
     *
     * @return the rate
     */
    public double learnLearningRate() {
        return between(3e-4, 5e-6);
    }

    /**
     * The learning rate of a full-parameter {@code train} stage.
     *
     * @param objective the stage's objective
     * @return the rate
     */
    public double trainLearningRate(ObjectiveConfig objective) {
        return objective instanceof ObjectiveConfig.Sft ? between(3e-3, 2e-5) : between(3e-5, 1e-6);
    }

    /**
     * Epochs of the learning stage and of {@code train}.
     *
     * @return 2 for small models, else 1
     */
    public int longEpochs() {
        return parameters < SMALL_PARAMETERS ? 2 : 1;
    }

    /**
     * Pairs per forward pass.
     *
     * @return {@code min(8, pairs)}
     */
    public int microBatch() {
        return (int) Math.min(8, pairs);
    }

    /**
     * Micro-batches per optimiser step for a micro-batch size.
     *
     * @param micro pairs per forward pass
     * @return {@code clamp(pairs / micro, 1, 4)}
     */
    public int accumulation(int micro) {
        return (int) Math.max(1, Math.min(4, pairs / micro));
    }

    /**
     * The warm-up ratio of a stage: the library's 0.1, or 0 for a stage of one step, which a warm-up would leave at
     * learning rate 0 (Hugging Face's warm-up starts from 0).
     *
     * @param steps the stage's optimiser steps over {@link #pairs()} pairs
     * @return 0.1, or 0 when {@code ceil(0.1 * steps) >= steps}
     */
    public double warmupRatio(long steps) {
        return Math.ceil(steps * 0.1) < steps ? 0.1 : 0.0;
    }

    private double between(double toy, double large) {
        double t = (Math.log(parameters) - Math.log(TOY_PARAMETERS))
                / (Math.log(LARGE_PARAMETERS) - Math.log(TOY_PARAMETERS));
        t = Math.max(0, Math.min(1, t));
        double lr = Math.exp((1 - t) * Math.log(toy) + t * Math.log(large));
        return Double.parseDouble(String.format(java.util.Locale.ROOT, "%.2e", lr)); // readable in printed configs
    }
}
