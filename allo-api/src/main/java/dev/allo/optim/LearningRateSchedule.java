package dev.allo.optim;

/**
 * A learning-rate multiplier per optimiser step, with the semantics of Hugging Face transformers'
 * {@code get_constant_schedule_with_warmup}, {@code get_linear_schedule_with_warmup} and
 * {@code get_cosine_schedule_with_warmup} (the released ALLO scripts train with cosine and warm-up; the paper's
 * Table 5 gives only learning rates and batch sizes).
 *
 * <p>{@code s} is the number of optimiser steps already taken (0 for the first step), {@code W} the warm-up steps,
 * {@code S} the total steps. The step uses {@code lr_s = lr * multiplier(s)}. As in transformers, the warm-up is
 * {@code s / max(1, W)} for {@code s < W}, so the very first step of a warm-up schedule has learning rate 0.
 */
public interface LearningRateSchedule {

    /**
     * The multiplier of the base learning rate for a step.
     *
     * @param step the number of optimiser steps already taken, at least 0
     * @return the multiplier, in [0, 1]
     */
    double multiplier(long step);

    /**
     * A constant learning rate, multiplier 1.
     *
     * @return the schedule
     */
    static LearningRateSchedule constant() {
        return new Constant(0);
    }

    /**
     * Linear warm-up from 0, then constant: {@code s / max(1, W)} for {@code s < W}, else 1.
     *
     * @param warmupSteps W, at least 0
     * @return the schedule
     */
    static LearningRateSchedule constantWithWarmup(long warmupSteps) {
        return new Constant(warmupSteps);
    }

    /**
     * Linear warm-up, then linear decay to 0 at step S: {@code max(0, (S - s) / max(1, S - W))} for {@code s >= W}.
     *
     * @param warmupSteps W, in [0, S]
     * @param totalSteps S, at least 1
     * @return the schedule
     */
    static LearningRateSchedule linear(long warmupSteps, long totalSteps) {
        return new Linear(warmupSteps, totalSteps);
    }

    /**
     * Linear warm-up, then a half-cosine decay to 0 at step S: with {@code p = (s - W) / max(1, S - W)},
     * {@code max(0, 0.5 * (1 + cos(pi * 2 * 0.5 * p)))} for {@code s >= W}.
     *
     * @param warmupSteps W, in [0, S]
     * @param totalSteps S, at least 1
     * @return the schedule
     */
    static LearningRateSchedule cosine(long warmupSteps, long totalSteps) {
        return new Cosine(warmupSteps, totalSteps, 0.5);
    }

    /**
     * The warm-up steps for a warm-up ratio, as transformers' {@code TrainingArguments.get_warmup_steps}:
     * {@code ceil(S * ratio)} in double-precision arithmetic (so it matches a Python run exactly, including cases
     * such as {@code 100 * 0.07 = 7.000000000000001 -> 8}).
     *
     * @param warmupRatio the ratio, in [0, 1]
     * @param totalSteps S, at least 0
     * @return W
     * @throws IllegalArgumentException if the ratio is outside [0, 1] or the total is negative
     */
    static long warmupSteps(double warmupRatio, long totalSteps) {
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("warmupRatio must be in [0, 1], got " + warmupRatio);
        }
        if (totalSteps < 0) {
            throw new IllegalArgumentException("totalSteps must be >= 0, got " + totalSteps);
        }
        return (long) Math.ceil(totalSteps * warmupRatio);
    }

    private static double warmup(long step, long warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
    }

    private static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
    }

    private static void checkSteps(long warmupSteps, long totalSteps) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "warmupSteps must be in [0, totalSteps = " + totalSteps + "], got " + warmupSteps);
        }
    }

    /**
     * Constant after an optional linear warm-up.
     *
     * @param warmupSteps W, at least 0
     */
    record Constant(long warmupSteps) implements LearningRateSchedule {
        /**
         * Validates the warm-up.
         *
         * @param warmupSteps W, at least 0
         */
        public Constant {
            if (warmupSteps < 0) {
                throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
            }
        }

        @Override
        public double multiplier(long step) {
            checkStep(step);
            return step < warmupSteps ? warmup(step, warmupSteps) : 1.0;
        }
    }

    /**
     * Linear warm-up then linear decay to 0.
     *
     * @param warmupSteps W, in [0, S]
     * @param totalSteps S, at least 1
     */
    record Linear(long warmupSteps, long totalSteps) implements LearningRateSchedule {
        /**
         * Validates the steps.
         *
         * @param warmupSteps W, in [0, S]
         * @param totalSteps S, at least 1
         */
        public Linear {
            checkSteps(warmupSteps, totalSteps);
        }

        @Override
        public double multiplier(long step) {
            checkStep(step);
            if (step < warmupSteps) {
                return warmup(step, warmupSteps);
            }
            return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        }
    }

    /**
     * Linear warm-up then cosine decay.
     *
     * @param warmupSteps W, in [0, S]
     * @param totalSteps S, at least 1
     * @param cycles the number of cosine waves over the decay (0.5: from 1 down to 0), positive
     */
    record Cosine(long warmupSteps, long totalSteps, double cycles) implements LearningRateSchedule {
        /**
         * Validates the steps and cycles.
         *
         * @param warmupSteps W, in [0, S]
         * @param totalSteps S, at least 1
         * @param cycles the number of cosine waves, positive and finite
         */
        public Cosine {
            checkSteps(warmupSteps, totalSteps);
            if (!(cycles > 0) || Double.isInfinite(cycles)) {
                throw new IllegalArgumentException("cycles must be positive and finite, got " + cycles);
            }
        }

        @Override
        public double multiplier(long step) {
            checkStep(step);
            if (step < warmupSteps) {
                return warmup(step, warmupSteps);
            }
            double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)));
        }
    }
}
