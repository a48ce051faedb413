package dev.allo.objective;

import java.util.Objects;

/**
 * The stock objectives and their hyper-parameters, as immutable, validated values. Build an objective with
 * {@link PreferenceObjective#of(ObjectiveConfig)}.
 *
 * <p>Symbols (see the package documentation): {@code rho_j = l_j - lref_j}, {@code S = sum_j m_j w_j rho_j},
 * {@code h = S+ - S-}, {@code n} the response length, {@code logsig(x) = -softplus(-x)}. "ALLO" is the paper
 * "Low-Redundant Optimization for Large Language Model Alignment" (Chen et al., 2024); TRL names are given where
 * TRL implements the same loss.
 */
public sealed interface ObjectiveConfig {

    /** The default inverse temperature of the DPO family (TRL's {@code beta} default). */
    double DEFAULT_BETA = 0.1;

    /**
     * The objective's short name, as used in logs and in {@link LossTerm#name()}.
     *
     * @return the name
     */
    String name();

    /**
     * Sequence DPO, ALLO Eq. (2), TRL {@code loss_type="sigmoid"}: {@code L = mean_b -logsig(beta * h_b)}.
     *
     * @param beta inverse temperature, {@code > 0}, default 0.1
     */
    record Dpo(double beta) implements ObjectiveConfig {
        /** Checks {@code beta}. */
        public Dpo {
            requirePositive("beta", beta);
        }

        /**
         * DPO with {@code beta = 0.1}.
         *
         * @return the config
         */
        public static Dpo defaults() {
            return new Dpo(DEFAULT_BETA);
        }

        @Override
        public String name() {
            return "dpo";
        }
    }

    /**
     * ALLO's token-weighted DPO (learning stage), Eq. (9), with the noisy-token filter of Eq. (8):
     * {@code L = mean_b -logsig(beta * (sum_j m+_j w+_j rho+_j - sum_j m-_j w-_j q_j rho-_j))}, where {@code q_j = 0}
     * for the {@code floor(v * n-)} rejected response tokens with the largest {@code rho_j} and 1 otherwise,
     * recomputed at every step without gradient. {@code v = 0} gives Eq. (2).
     *
     * @param beta inverse temperature, {@code > 0}, default 0.1
     * @param noisyTokenRatio {@code v}, the fraction of each rejected response treated as noise, in {@code [0, 1]},
     *     default 0.2 (ALLO Table 5)
     */
    record TokenDpo(double beta, double noisyTokenRatio) implements ObjectiveConfig {
        /** Checks the arguments. */
        public TokenDpo {
            requirePositive("beta", beta);
            requireUnitInterval("noisyTokenRatio", noisyTokenRatio);
        }

        /**
         * Token-weighted DPO with {@code beta = 0.1}, {@code v = 0.2}.
         *
         * @return the config
         */
        public static TokenDpo defaults() {
            return new TokenDpo(DEFAULT_BETA, 0.2);
        }

        @Override
        public String name() {
            return "token_dpo";
        }
    }

    /**
     * ALLO's token-level NPO (forgetting stage), Eq. (7) with the weights outside the sigmoid:
     * {@code L = -(1 / sum_{b,j} m-_j r_j) * sum_{b,j} m-_j r_j * logsig(-beta * rho-_j)}, over rejected tokens,
     * normalised by the weighted token count of the micro-batch; no {@code 2 / beta} factor. Needs only the rejected
     * side.
     *
     * @param beta inverse temperature, {@code > 0}, default 0.1
     */
    record TokenNpo(double beta) implements ObjectiveConfig {
        /** Checks {@code beta}. */
        public TokenNpo {
            requirePositive("beta", beta);
        }

        /**
         * Token-level NPO with {@code beta = 0.1}.
         *
         * @return the config
         */
        public static TokenNpo defaults() {
            return new TokenNpo(DEFAULT_BETA);
        }

        @Override
        public String name() {
            return "token_npo";
        }
    }

    /**
     * Conservative DPO (cDPO, label smoothing), the DPO loss when each label is flipped with probability
     * {@code eps}: {@code L = mean_b [-(1 - eps) logsig(beta h_b) - eps logsig(-beta h_b)]}. TRL up to v0.28
     * computed this form as {@code loss_type="sigmoid"} with {@code label_smoothing = eps}; from v0.29 (checked up to
     * 1.10.0.dev0) its {@code sigmoid} loss ignores {@code label_smoothing}, and no TRL loss type computes this form
     * on the plain margin ({@code robust} subtracts the flipped term and divides by {@code 1 - 2 eps}).
     *
     * @param beta inverse temperature, {@code > 0}, default 0.1
     * @param labelSmoothing {@code eps}, the assumed probability that a label is flipped, in {@code [0, 0.5]},
     *     default 0.1
     */
    record ConservativeDpo(double beta, double labelSmoothing) implements ObjectiveConfig {
        /** Checks the arguments. */
        public ConservativeDpo {
            requirePositive("beta", beta);
            if (!(labelSmoothing >= 0 && labelSmoothing <= 0.5)) {
                throw new IllegalArgumentException("labelSmoothing must be in [0, 0.5], got " + labelSmoothing);
            }
        }

        /**
         * cDPO with {@code beta = 0.1}, {@code eps = 0.1}.
         *
         * @return the config
         */
        public static ConservativeDpo defaults() {
            return new ConservativeDpo(DEFAULT_BETA, 0.1);
        }

        @Override
        public String name() {
            return "cdpo";
        }
    }

    /**
     * IPO (Azar et al., 2023, Eq. 17) with TRL's length-averaged log-ratios, TRL {@code loss_type="ipo"}:
     * {@code L = mean_b (S+_b / n+_b - S-_b / n-_b - 1 / (2 beta))^2}.
     *
     * @param beta regularisation {@code tau}, {@code > 0}, default 0.1
     */
    record Ipo(double beta) implements ObjectiveConfig {
        /** Checks {@code beta}. */
        public Ipo {
            requirePositive("beta", beta);
        }

        /**
         * IPO with {@code beta = 0.1}.
         *
         * @return the config
         */
        public static Ipo defaults() {
            return new Ipo(DEFAULT_BETA);
        }

        @Override
        public String name() {
            return "ipo";
        }
    }

    /**
     * R-DPO, length-regularised DPO (Park et al., 2024):
     * {@code L = mean_b -logsig(beta h_b + alpha (n+_b - n-_b))} (their Eq. 9; SimPO's Table 1): a longer chosen
     * response needs less log-ratio margin, which removes the incentive to win by length.
     *
     * @param beta inverse temperature, {@code > 0}, default 0.1
     * @param alpha length penalty per token, {@code >= 0}, default 0.05
     */
    record RDpo(double beta, double alpha) implements ObjectiveConfig {
        /** Checks the arguments. */
        public RDpo {
            requirePositive("beta", beta);
            requireNonNegative("alpha", alpha);
        }

        /**
         * R-DPO with {@code beta = 0.1}, {@code alpha = 0.05}.
         *
         * @return the config
         */
        public static RDpo defaults() {
            return new RDpo(DEFAULT_BETA, 0.05);
        }

        @Override
        public String name() {
            return "rdpo";
        }
    }

    /**
     * SimPO (Meng et al., 2024), reference-free and length-normalised, TRL CPO {@code loss_type="simpo"} with
     * {@code cpo_alpha = 0}: {@code L = mean_b -logsig(beta * (P+_b / n+_b - P-_b / n-_b) - gamma)}, with
     * {@code P = sum_j m_j w_j l_j} the weighted sequence log-prob of the policy.
     *
     * @param beta reward scale, {@code > 0}, default 2.0 (SimPO's recommended range is about 2.0 to 2.5; TRL's
     *     CPOConfig default is 0.1)
     * @param gamma target reward margin, {@code >= 0}, default 1.0 (TRL's {@code simpo_gamma} default is 0.5)
     */
    record SimPo(double beta, double gamma) implements ObjectiveConfig {
        /** Checks the arguments. */
        public SimPo {
            requirePositive("beta", beta);
            requireNonNegative("gamma", gamma);
        }

        /**
         * SimPO with {@code beta = 2.0}, {@code gamma = 1.0}.
         *
         * @return the config
         */
        public static SimPo defaults() {
            return new SimPo(2.0, 1.0);
        }

        @Override
        public String name() {
            return "simpo";
        }
    }

    /**
     * Sequence NPO (Zhang et al., 2024; ALLO Eq. 6 as a loss): {@code L = mean_b -(2 / beta) logsig(-beta S-_b)}.
     * Needs only the rejected side.
     *
     * @param beta inverse temperature, {@code > 0}, default 0.1
     */
    record Npo(double beta) implements ObjectiveConfig {
        /** Checks {@code beta}. */
        public Npo {
            requirePositive("beta", beta);
        }

        /**
         * NPO with {@code beta = 0.1}.
         *
         * @return the config
         */
        public static Npo defaults() {
            return new Npo(DEFAULT_BETA);
        }

        @Override
        public String name() {
            return "npo";
        }
    }

    /**
     * Hinge loss (SLiC / RSO), TRL {@code loss_type="hinge"}: {@code L = mean_b relu(1 - beta h_b)}.
     *
     * @param beta reciprocal of the margin, {@code > 0}, default 0.1
     */
    record Hinge(double beta) implements ObjectiveConfig {
        /** Checks {@code beta}. */
        public Hinge {
            requirePositive("beta", beta);
        }

        /**
         * Hinge with {@code beta = 0.1}.
         *
         * @return the config
         */
        public static Hinge defaults() {
            return new Hinge(DEFAULT_BETA);
        }

        @Override
        public String name() {
            return "hinge";
        }
    }

    /**
     * Pairwise BCO (Jung et al., 2024), TRL {@code loss_type="bco_pair"} (with its running reward mean):
     * {@code L = mean_b [-logsig(beta S+_b - delta) - logsig(-(beta S-_b - delta))]}, where {@code delta} is the
     * running mean, over calls, of each micro-batch's mean reward {@code mean(beta S+, beta S-)} (over the 2B
     * responses), updated with the current micro-batch before the loss is computed, and never differentiated.
     * Stateful: see {@link PreferenceObjective#saveState()}.
     *
     * @param beta inverse temperature, {@code > 0}, default 0.1
     */
    record BcoPair(double beta) implements ObjectiveConfig {
        /** Checks {@code beta}. */
        public BcoPair {
            requirePositive("beta", beta);
        }

        /**
         * BCO-pair with {@code beta = 0.1}.
         *
         * @return the config
         */
        public static BcoPair defaults() {
            return new BcoPair(DEFAULT_BETA);
        }

        @Override
        public String name() {
            return "bco_pair";
        }
    }

    /**
     * Supervised fine-tuning on the chosen responses, the token-mean negative log-likelihood
     * {@code L = -(sum_{b,j} m+_j w+_j l+_j) / (sum_{b,j} m+_j)}. Needs only the chosen side and no reference.
     */
    record Sft() implements ObjectiveConfig {
        @Override
        public String name() {
            return "sft";
        }
    }

    /**
     * Any objective plus a weighted SFT term on the chosen responses: {@code L = L_base + alpha * L_sft}, with
     * {@code L_sft = -(sum m+ w+ l+) / (sum m+)}, the mean negative log-likelihood of the chosen response tokens.
     * With all-ones weights this is TRL's {@code loss_type=[base, "sft"]} with {@code loss_weights=[1, alpha]}
     * (TRL from v0.29, checked up to 1.10.0.dev0), formerly {@code rpo_alpha = alpha} (TRL up to v0.28).
     *
     * @param base the objective to regularise; not itself an SFT config
     * @param alpha weight of the SFT term, {@code >= 0}, default 1.0
     */
    record WithSft(ObjectiveConfig base, double alpha) implements ObjectiveConfig {
        /** Checks the arguments. */
        public WithSft {
            Objects.requireNonNull(base, "base");
            if (base instanceof Sft || base instanceof WithSft) {
                throw new IllegalArgumentException("base must not already be SFT or carry an SFT term, got "
                        + base.name());
            }
            requireNonNegative("alpha", alpha);
        }

        /**
         * {@code base} plus the SFT term with weight 1.
         *
         * @param base the objective to regularise
         * @return the config
         */
        public static WithSft of(ObjectiveConfig base) {
            return new WithSft(base, 1.0);
        }

        @Override
        public String name() {
            return base.name() + "+sft";
        }
    }

    private static void requirePositive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
        }
    }

    private static void requireNonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    private static void requireUnitInterval(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + value);
        }
    }
}
