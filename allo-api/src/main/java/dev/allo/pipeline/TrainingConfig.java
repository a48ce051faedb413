package dev.allo.pipeline;

import dev.allo.optim.AdamWConfig;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.SgdConfig;

/**
 * How one stage optimises: optimiser, learning rate and schedule, batch sizes and length of training.
 *
 * <p>An optimiser step consumes {@code batchSize} pairs, in {@code batchSize / microBatchSize} micro-batches whose
 * gradients are accumulated so that the step equals one over the whole batch.
 *
 * @param optimizer which masked optimiser updates the selected weights; default {@link OptimizerKind#SPARSE_ADAMW}
 * @param learningRate peak learning rate {@code alpha}, finite, {@code > 0}; default {@code 5e-6} (Table 5, stage 2,
 *     question answering)
 * @param schedule learning-rate schedule after warm-up; default {@link ScheduleKind#COSINE} (the released ALLO
 *     scripts'; the paper names no schedule)
 * @param warmupRatio fraction of the steps spent warming the learning rate up linearly, in {@code [0, 1)}; default
 *     0.1
 * @param weightDecay decoupled weight decay on the selected weights, finite, {@code >= 0}; default 0
 * @param maxGradNorm global-norm clipping over the selected gradients, {@code 0} for none; default 1.0
 * @param batchSize pairs per optimiser step, {@code >= 1}; default 32 (Table 5, question answering)
 * @param microBatchSize pairs per forward pass, in {@code [1, batchSize]}, dividing {@code batchSize}; default 8
 * @param epochs passes over the data, {@code >= 1}; default 1
 * @param maxSteps an upper bound on optimiser steps, {@code 0} for none; default 0
 * @param gradientCheckpointing whether the training forward pass keeps only each decoder block's input and the
 *     backward pass recomputes the blocks (Chen et al., arXiv 1604.06174): the same gradients, the activations of
 *     one block instead of all, one more forward pass of the blocks per step; default false. Needs a plain decoder
 *     policy (not a LoRA or ILA-gated model)
 */
public record TrainingConfig(OptimizerKind optimizer, double learningRate, ScheduleKind schedule, double warmupRatio,
        double weightDecay, double maxGradNorm, int batchSize, int microBatchSize, int epochs, long maxSteps,
        boolean gradientCheckpointing) {

    /** The masked optimisers that ship with the library. */
    public enum OptimizerKind {
        /** AdamW with moments only for the selected weights (the default; exact and far cheaper). */
        SPARSE_ADAMW,
        /** AdamW with full moments and a masked update. */
        DENSE_MASKED_ADAMW,
        /** SGD with momentum 0.9 on the selected weights. */
        MASKED_SGD
    }

    /** Learning-rate schedules (Hugging Face semantics, linear warm-up first). */
    public enum ScheduleKind {
        /** Constant after warm-up. */
        CONSTANT,
        /** Linear decay to 0 after warm-up. */
        LINEAR,
        /** Half-cosine decay to 0 after warm-up (the released ALLO scripts' choice; the paper names none). */
        COSINE
    }

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public TrainingConfig {
        if (optimizer == null) {
            throw new IllegalArgumentException("optimizer must be set");
        }
        if (schedule == null) {
            throw new IllegalArgumentException("schedule must be set");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        if (!(warmupRatio >= 0 && warmupRatio < 1)) {
            throw new IllegalArgumentException("warmupRatio must be in [0, 1), got " + warmupRatio);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        }
        if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("maxGradNorm must be finite and >= 0 (0 = no clipping), got "
                    + maxGradNorm);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (microBatchSize < 1 || microBatchSize > batchSize || batchSize % microBatchSize != 0) {
            throw new IllegalArgumentException("microBatchSize must be in [1, batchSize=" + batchSize
                    + "] and divide it, got " + microBatchSize);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0 (0 = no limit), got " + maxSteps);
        }
    }

    /**
     * A config without gradient checkpointing (the form before {@link #gradientCheckpointing()} existed).
     *
     * @param optimizer the optimiser
     * @param learningRate the peak learning rate
     * @param schedule the schedule
     * @param warmupRatio the warm-up fraction
     * @param weightDecay the weight decay
     * @param maxGradNorm the clipping norm, 0 for none
     * @param batchSize pairs per optimiser step
     * @param microBatchSize pairs per forward pass
     * @param epochs passes over the data
     * @param maxSteps the step limit, 0 for none
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public TrainingConfig(OptimizerKind optimizer, double learningRate, ScheduleKind schedule, double warmupRatio,
            double weightDecay, double maxGradNorm, int batchSize, int microBatchSize, int epochs, long maxSteps) {
        this(optimizer, learningRate, schedule, warmupRatio, weightDecay, maxGradNorm, batchSize, microBatchSize,
                epochs, maxSteps, false);
    }

    /**
     * The defaults listed on the record components.
     *
     * @return the default config
     */
    public static TrainingConfig defaults() {
        return new TrainingConfig(OptimizerKind.SPARSE_ADAMW, 5e-6, ScheduleKind.COSINE, 0.1, 0.0, 1.0, 32, 8, 1, 0,
                false);
    }

    /**
     * The number of micro-batches accumulated per optimiser step.
     *
     * @return {@code batchSize / microBatchSize}
     */
    public int accumulationSteps() {
        return batchSize / microBatchSize;
    }

    /**
     * The optimiser steps this config runs over a data set of {@code pairs} pairs: full batches per epoch times
     * epochs, capped by {@link #maxSteps()} (an incomplete last batch is dropped).
     *
     * @param pairs the number of training pairs
     * @return the number of steps, at least 0
     */
    public long totalSteps(long pairs) {
        long steps = (pairs / batchSize) * (long) epochs;
        return maxSteps > 0 ? Math.min(steps, maxSteps) : steps;
    }

    /**
     * The learning-rate schedule for a run of {@code totalSteps} steps.
     *
     * @param totalSteps the steps of the stage, {@code >= 1}
     * @return the schedule
     */
    public LearningRateSchedule scheduleFor(long totalSteps) {
        long warmup = LearningRateSchedule.warmupSteps(warmupRatio, totalSteps);
        return switch (schedule) {
            case CONSTANT -> LearningRateSchedule.constantWithWarmup(warmup);
            case LINEAR -> LearningRateSchedule.linear(warmup, totalSteps);
            case COSINE -> LearningRateSchedule.cosine(warmup, totalSteps);
        };
    }

    /**
     * The AdamW hyper-parameters of this config (PyTorch's betas and epsilon).
     *
     * @param totalSteps the steps of the stage
     * @return the AdamW config
     */
    public AdamWConfig adamW(long totalSteps) {
        return AdamWConfig.builder().learningRate(learningRate).weightDecay(weightDecay)
                .schedule(scheduleFor(totalSteps)).clipping(clipping()).build();
    }

    /**
     * The SGD hyper-parameters of this config (momentum 0.9).
     *
     * @param totalSteps the steps of the stage
     * @return the SGD config
     */
    public SgdConfig sgd(long totalSteps) {
        return SgdConfig.builder().learningRate(learningRate).momentum(0.9).weightDecay(weightDecay)
                .schedule(scheduleFor(totalSteps)).clipping(clipping()).build();
    }

    private GradientClipping clipping() {
        return maxGradNorm > 0 ? GradientClipping.maxNorm(maxGradNorm) : GradientClipping.none();
    }

    /**
     * A copy with another learning rate.
     *
     * @param value the learning rate
     * @return the copy
     */
    public TrainingConfig withLearningRate(double value) {
        return new TrainingConfig(optimizer, value, schedule, warmupRatio, weightDecay, maxGradNorm, batchSize,
                microBatchSize, epochs, maxSteps, gradientCheckpointing);
    }

    /**
     * A copy with other batch sizes.
     *
     * @param batch pairs per optimiser step
     * @param microBatch pairs per forward pass
     * @return the copy
     */
    public TrainingConfig withBatchSize(int batch, int microBatch) {
        return new TrainingConfig(optimizer, learningRate, schedule, warmupRatio, weightDecay, maxGradNorm, batch,
                microBatch, epochs, maxSteps, gradientCheckpointing);
    }

    /**
     * A copy with another number of epochs.
     *
     * @param value the epochs
     * @return the copy
     */
    public TrainingConfig withEpochs(int value) {
        return new TrainingConfig(optimizer, learningRate, schedule, warmupRatio, weightDecay, maxGradNorm, batchSize,
                microBatchSize, value, maxSteps, gradientCheckpointing);
    }

    /**
     * A copy with another optimiser.
     *
     * @param value the optimiser
     * @return the copy
     */
    public TrainingConfig withOptimizer(OptimizerKind value) {
        return new TrainingConfig(value, learningRate, schedule, warmupRatio, weightDecay, maxGradNorm, batchSize,
                microBatchSize, epochs, maxSteps, gradientCheckpointing);
    }

    /**
     * A copy with another schedule and warm-up ratio.
     *
     * @param kind the schedule
     * @param ratio the warm-up ratio
     * @return the copy
     */
    public TrainingConfig withSchedule(ScheduleKind kind, double ratio) {
        return new TrainingConfig(optimizer, learningRate, kind, ratio, weightDecay, maxGradNorm, batchSize,
                microBatchSize, epochs, maxSteps, gradientCheckpointing);
    }

    /**
     * A copy with gradient checkpointing on or off.
     *
     * @param value whether to checkpoint every decoder block
     * @return the copy
     */
    public TrainingConfig withGradientCheckpointing(boolean value) {
        return new TrainingConfig(optimizer, learningRate, schedule, warmupRatio, weightDecay, maxGradNorm, batchSize,
                microBatchSize, epochs, maxSteps, value);
    }

    /**
     * A copy with a step limit.
     *
     * @param value the maximum number of steps, 0 for none
     * @return the copy
     */
    public TrainingConfig withMaxSteps(long value) {
        return new TrainingConfig(optimizer, learningRate, schedule, warmupRatio, weightDecay, maxGradNorm, batchSize,
                microBatchSize, epochs, value, gradientCheckpointing);
    }
}
