package dev.allo.optim;

import java.util.Objects;

/**
 * AdamW hyper-parameters, with the semantics of PyTorch's {@code torch.optim.AdamW} (amsgrad off). For step
 * {@code t = 1, 2, ...} with gradient {@code g} (after clipping) and learning rate {@code lr_t} from the schedule,
 * per selected scalar:
 *
 * <pre>
 * theta &lt;- theta * (1 - lr_t * weightDecay)             decoupled weight decay
 * m     &lt;- beta1 * m + (1 - beta1) * g
 * v     &lt;- beta2 * v + (1 - beta2) * g^2
 * theta &lt;- theta - (lr_t / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
 * </pre>
 *
 * <p>{@code epsilon} is added outside the square root. Defaults are PyTorch's: {@code lr = 1e-3},
 * {@code betas = (0.9, 0.999)}, {@code eps = 1e-8}, {@code weight_decay = 1e-2}, constant schedule, no clipping.
 *
 * @param learningRate the base learning rate, finite and at least 0
 * @param beta1 the first-moment decay, in [0, 1)
 * @param beta2 the second-moment decay, in [0, 1)
 * @param epsilon the denominator guard, finite and at least 0
 * @param weightDecay the decoupled weight-decay coefficient, finite and at least 0
 * @param schedule the learning-rate schedule
 * @param clipping the gradient clipping over the selected gradients
 */
public record AdamWConfig(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
        LearningRateSchedule schedule, GradientClipping clipping) {

    /**
     * Validates every field; messages name the field, the constraint and the value.
     *
     * @param learningRate the base learning rate
     * @param beta1 the first-moment decay
     * @param beta2 the second-moment decay
     * @param epsilon the denominator guard
     * @param weightDecay the weight-decay coefficient
     * @param schedule the learning-rate schedule
     * @param clipping the gradient clipping
     */
    public AdamWConfig {
        Checks.finiteNonNegative("learningRate", learningRate);
        Checks.unitInterval("beta1", beta1);
        Checks.unitInterval("beta2", beta2);
        Checks.finiteNonNegative("epsilon", epsilon);
        Checks.finiteNonNegative("weightDecay", weightDecay);
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(clipping, "clipping");
    }

    /**
     * PyTorch's defaults.
     *
     * @return the default config
     */
    public static AdamWConfig defaults() {
        return builder().build();
    }

    /**
     * A builder starting from PyTorch's defaults.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this config's values, to change a few of them.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return builder().learningRate(learningRate).betas(beta1, beta2).epsilon(epsilon).weightDecay(weightDecay)
                .schedule(schedule).clipping(clipping);
    }

    /** Builds an {@link AdamWConfig}; unset fields keep PyTorch's defaults. */
    public static final class Builder {
        private double learningRate = 1e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double epsilon = 1e-8;
        private double weightDecay = 1e-2;
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private GradientClipping clipping = GradientClipping.none();

        private Builder() {}

        /**
         * Sets the base learning rate.
         *
         * @param value lr, default 1e-3
         * @return this builder
         */
        public Builder learningRate(double value) {
            learningRate = value;
            return this;
        }

        /**
         * Sets the moment decays.
         *
         * @param b1 beta1, default 0.9
         * @param b2 beta2, default 0.999
         * @return this builder
         */
        public Builder betas(double b1, double b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        /**
         * Sets the denominator guard.
         *
         * @param value eps, default 1e-8
         * @return this builder
         */
        public Builder epsilon(double value) {
            epsilon = value;
            return this;
        }

        /**
         * Sets the decoupled weight decay.
         *
         * @param value the coefficient, default 1e-2
         * @return this builder
         */
        public Builder weightDecay(double value) {
            weightDecay = value;
            return this;
        }

        /**
         * Sets the learning-rate schedule.
         *
         * @param value the schedule, default constant
         * @return this builder
         */
        public Builder schedule(LearningRateSchedule value) {
            schedule = value;
            return this;
        }

        /**
         * Sets the gradient clipping.
         *
         * @param value the clipping, default none
         * @return this builder
         */
        public Builder clipping(GradientClipping value) {
            clipping = value;
            return this;
        }

        /**
         * Validates and builds the config.
         *
         * @return the config
         * @throws IllegalArgumentException naming the first invalid field
         */
        public AdamWConfig build() {
            return new AdamWConfig(learningRate, beta1, beta2, epsilon, weightDecay, schedule, clipping);
        }
    }
}
