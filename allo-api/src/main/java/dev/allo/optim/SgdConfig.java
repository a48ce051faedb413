package dev.allo.optim;

import java.util.Objects;

/**
 * SGD hyper-parameters, with the semantics of PyTorch's {@code torch.optim.SGD}. For step {@code t} with gradient
 * {@code g} (after clipping) and learning rate {@code lr_t}, per selected scalar:
 *
 * <pre>
 * g &lt;- g + weightDecay * theta                        coupled (L2) weight decay
 * b &lt;- g                                  if t = 1    momentum buffer
 * b &lt;- momentum * b + (1 - dampening) * g   if t &gt; 1
 * g &lt;- nesterov ? g + momentum * b : b      (only when momentum != 0)
 * theta &lt;- theta - lr_t * g
 * </pre>
 *
 * <p>Defaults are PyTorch's: {@code lr = 1e-3}, no momentum, no dampening, no weight decay, not Nesterov; constant
 * schedule, no clipping.
 *
 * @param learningRate the base learning rate, finite and at least 0
 * @param momentum the momentum factor, finite and at least 0
 * @param dampening the dampening of the momentum, finite and at least 0
 * @param weightDecay the L2 penalty, finite and at least 0
 * @param nesterov whether to use Nesterov momentum (needs momentum &gt; 0 and dampening 0)
 * @param schedule the learning-rate schedule
 * @param clipping the gradient clipping over the selected gradients
 */
public record SgdConfig(double learningRate, double momentum, double dampening, double weightDecay, boolean nesterov,
        LearningRateSchedule schedule, GradientClipping clipping) {

    /**
     * Validates every field; messages name the field, the constraint and the value.
     *
     * @param learningRate the base learning rate
     * @param momentum the momentum factor
     * @param dampening the dampening
     * @param weightDecay the L2 penalty
     * @param nesterov whether to use Nesterov momentum
     * @param schedule the learning-rate schedule
     * @param clipping the gradient clipping
     */
    public SgdConfig {
        Checks.finiteNonNegative("learningRate", learningRate);
        Checks.finiteNonNegative("momentum", momentum);
        Checks.finiteNonNegative("dampening", dampening);
        Checks.finiteNonNegative("weightDecay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("nesterov needs momentum > 0 and dampening = 0, got momentum "
                    + momentum + " and dampening " + dampening);
        }
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(clipping, "clipping");
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
        return builder().learningRate(learningRate).momentum(momentum).dampening(dampening).weightDecay(weightDecay)
                .nesterov(nesterov).schedule(schedule).clipping(clipping);
    }

    /** Builds an {@link SgdConfig}; unset fields keep PyTorch's defaults. */
    public static final class Builder {
        private double learningRate = 1e-3;
        private double momentum;
        private double dampening;
        private double weightDecay;
        private boolean nesterov;
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
         * Sets the momentum factor.
         *
         * @param value momentum, default 0
         * @return this builder
         */
        public Builder momentum(double value) {
            momentum = value;
            return this;
        }

        /**
         * Sets the dampening.
         *
         * @param value dampening, default 0
         * @return this builder
         */
        public Builder dampening(double value) {
            dampening = value;
            return this;
        }

        /**
         * Sets the L2 penalty.
         *
         * @param value weight decay, default 0
         * @return this builder
         */
        public Builder weightDecay(double value) {
            weightDecay = value;
            return this;
        }

        /**
         * Switches Nesterov momentum on or off.
         *
         * @param value whether to use Nesterov momentum, default false
         * @return this builder
         */
        public Builder nesterov(boolean value) {
            nesterov = value;
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
        public SgdConfig build() {
            return new SgdConfig(learningRate, momentum, dampening, weightDecay, nesterov, schedule, clipping);
        }
    }
}
