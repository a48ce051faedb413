package dev.allo.examples.paper;

import dev.allo.examples.quickstart.PreparedTask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The variants of each experiment. ALLO everywhere is the pipeline's three stages with Table 5's question-answering
 * settings ({@link ForgetConfig#defaults()}: {@code k1 = 5%}, {@code u = 0.95}, token rewards from the rewriter;
 * {@link LearnConfig#defaults()}: {@code k2 = 10%}, {@code v = 0.2}; beta 0.1), masks from the seed's weight-delta
 * scores; the ablations change one thing each.
 */
final class PaperVariants {
    /** Figure 4's forgetting-stage ratios {@code k1} (the learning stage stays at 10%). */
    static final List<Double> FORGET_RATIOS = List.of(0.01, 0.05, 0.2, 0.5, 1.0);
    /** Figure 4's learning-stage ratios {@code k2} (the forgetting stage stays at 5%). */
    static final List<Double> LEARN_RATIOS = List.of(0.02, 0.1, 0.2, 0.5, 1.0);

    private PaperVariants() {}

    /**
     * The variants of an experiment, in table order.
     *
     * @param experiment the experiment
     * @param options the options (learning rates and the tuning grid)
     * @return the variants
     */
    static List<Variant> of(Experiment experiment, PaperOptions options) {
        double lr = options.base().dpoLearningRate();
        double alloLr = options.base().alloLearningRate();
        double forgetLr = options.base().forgetLearningRate();
        return switch (experiment) {
            case TUNE -> tune(options.grid());
            case TABLE2 -> List.of(sft(), full("dpo", "DPO", ObjectiveConfig.Dpo.defaults(), lr),
                    full("ipo", "IPO", ObjectiveConfig.Ipo.defaults(), lr),
                    full("simpo", "SimPO", ObjectiveConfig.SimPo.defaults(), lr),
                    full("npo", "NPO", ObjectiveConfig.Npo.defaults(), lr),
                    full("rdpo", "R-DPO", ObjectiveConfig.RDpo.defaults(), lr), allo(forgetLr, alloLr));
            case FIGURE1 -> List.of(sft(), dpoOnMask("dpo-top10", "DPO, top-10% neurons", MaskRule.topK(0.1), lr),
                    dpoOnMask("dpo-last10", "DPO, last-10% neurons", MaskRule.of(MaskRule.Kind.LAST_K, 0.1), lr),
                    full("dpo", "DPO", ObjectiveConfig.Dpo.defaults(), lr));
            case TABLE4 -> table4(forgetLr, alloLr);
            case FIGURE4 -> figure4(forgetLr, alloLr);
        };
    }

    /** The untouched SFT model. */
    static Variant sft() {
        return new Variant("sft", "SFT model", null);
    }

    /** ALLO with every component. */
    static Variant allo(double forgetLr, double learnLr) {
        return allo("allo", "ALLO", UnaryOperator.identity(), UnaryOperator.identity(), forgetLr, learnLr);
    }

    private static List<Variant> table4(double forgetLr, double learnLr) {
        List<Variant> v = new ArrayList<>();
        v.add(allo(forgetLr, learnLr));
        v.add(allo("allo-no-learn-tlr", "learning stage without the token filter (v = 0)", UnaryOperator.identity(),
                s -> LearnConfig.defaults().withNoisyTokenRatio(0).withTraining(s.training()).toStage(), forgetLr,
                learnLr));
        v.add(allo("allo-no-forget-tlr", "forgetting stage without token rewards (all r_j = 1)",
                s -> s.withRewards(TokenRewards.NONE), UnaryOperator.identity(), forgetLr, learnLr));
        v.add(forgetNoMask(forgetLr, learnLr));
        v.add(learnNoMask(forgetLr, learnLr));
        v.add(allo("allo-forget-last-k", "forgetting stage on the last-5% neurons",
                s -> s.withMask(MaskRule.of(MaskRule.Kind.LAST_K, s.mask().ratio())), UnaryOperator.identity(),
                forgetLr, learnLr));
        v.add(allo("allo-learn-last-k", "learning stage on the last-10% neurons", UnaryOperator.identity(),
                s -> s.withMask(MaskRule.of(MaskRule.Kind.LAST_K, s.mask().ratio())), forgetLr, learnLr));
        v.add(allo("allo-learn-only", "learning stage only (no forgetting)", null, UnaryOperator.identity(), forgetLr,
                learnLr));
        v.add(allo("allo-forget-only", "forgetting stage only (no learning)", UnaryOperator.identity(), null,
                forgetLr, learnLr));
        return v;
    }

    private static List<Variant> figure4(double forgetLr, double learnLr) {
        List<Variant> v = new ArrayList<>();
        for (double k1 : FORGET_RATIOS) {
            v.add(k1 == ForgetConfig.defaults().neuronRatio() ? allo(forgetLr, learnLr)
                    : k1 == 1.0 ? forgetNoMask(forgetLr, learnLr)
                    : allo("allo-k1-" + ratio(k1), "ALLO, k1 = " + percent(k1),
                            s -> s.withMask(MaskRule.topK(k1)), UnaryOperator.identity(), forgetLr, learnLr));
        }
        for (double k2 : LEARN_RATIOS) {
            v.add(k2 == LearnConfig.defaults().neuronRatio() ? allo(forgetLr, learnLr)
                    : k2 == 1.0 ? learnNoMask(forgetLr, learnLr)
                    : allo("allo-k2-" + ratio(k2), "ALLO, k2 = " + percent(k2), UnaryOperator.identity(),
                            s -> s.withMask(MaskRule.topK(k2)), forgetLr, learnLr));
        }
        return v;
    }

    /** The id of the Figure 4 variant for a forgetting-stage ratio. */
    static String forgetRatioId(double k1) {
        return k1 == ForgetConfig.defaults().neuronRatio() ? "allo" : k1 == 1.0 ? "allo-forget-no-mask"
                : "allo-k1-" + ratio(k1);
    }

    /** The id of the Figure 4 variant for a learning-stage ratio. */
    static String learnRatioId(double k2) {
        return k2 == LearnConfig.defaults().neuronRatio() ? "allo" : k2 == 1.0 ? "allo-learn-no-mask"
                : "allo-k2-" + ratio(k2);
    }

    private static Variant forgetNoMask(double forgetLr, double learnLr) {
        return allo("allo-forget-no-mask", "forgetting stage on every weight (no mask)",
                s -> s.withMask(MaskRule.all()), UnaryOperator.identity(), forgetLr, learnLr);
    }

    private static Variant learnNoMask(double forgetLr, double learnLr) {
        return allo("allo-learn-no-mask", "learning stage on every weight (no mask)", UnaryOperator.identity(),
                s -> s.withMask(MaskRule.all()), forgetLr, learnLr);
    }

    /** DPO and ALLO at each learning rate; ALLO's forgetting stage at a tenth of it and at the same rate. */
    private static List<Variant> tune(List<Double> grid) {
        List<Variant> v = new ArrayList<>();
        v.add(sft());
        for (double lr : grid) {
            v.add(full("dpo@" + rate(lr), "DPO, lr " + rate(lr), ObjectiveConfig.Dpo.defaults(), lr));
        }
        for (double lr : grid) {
            v.add(allo("allo@" + rate(lr) + "_" + rate(lr / 10), "ALLO, learn lr " + rate(lr) + ", forget lr "
                    + rate(lr / 10),
                    UnaryOperator.identity(), UnaryOperator.identity(), lr / 10, lr));
            v.add(allo("allo@" + rate(lr) + "_" + rate(lr), "ALLO, learn lr " + rate(lr) + ", forget lr " + rate(lr),
                    UnaryOperator.identity(), UnaryOperator.identity(), lr, lr));
        }
        return v;
    }

    /** One full-parameter stage of an objective. */
    private static Variant full(String id, String label, ObjectiveConfig objective, double lr) {
        return new Variant(id, label, (b, c) -> b.stage(StageConfig.of(id.replace('@', '_').replace('.', '_'),
                objective, c.stageTraining(lr))));
    }

    /** Figure 1: DPO on a mask selected from accumulated-gradient scores. */
    private static Variant dpoOnMask(String id, String label, MaskRule mask, double lr) {
        return new Variant(id, label, (b, c) -> b
                .locateNeurons(c.locateConfig(LocateConfig.Method.ACCUMULATED_GRADIENT))
                .importanceEstimator(c.scores(LocateConfig.Method.ACCUMULATED_GRADIENT))
                .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), c.stageTraining(lr)).withMask(mask)));
    }

    /**
     * ALLO with each stage changed by an operator, or left out where the operator is null.
     */
    private static Variant allo(String id, String label, UnaryOperator<StageConfig> forget,
            UnaryOperator<StageConfig> learn, double forgetLr, double learnLr) {
        return new Variant(id, label, (b, c) -> {
            AlignmentBuilder out = b.locateNeurons(c.locateConfig(LocateConfig.Method.WEIGHT_DELTA))
                    .importanceEstimator(c.scores(LocateConfig.Method.WEIGHT_DELTA));
            if (forget != null) {
                StageConfig stage = forget.apply(ForgetConfig.defaults().withTraining(c.forgetTraining(forgetLr))
                        .toStage());
                out = out.stage(stage);
                if (stage.rewards() == TokenRewards.REWRITER) {
                    // Eq. (5) with the quick start's short rewrite template.
                    out = out.rewriter(c.task().rewriter()).rewriteTemplate(PreparedTask.REWRITE_TEMPLATE);
                }
            }
            if (learn != null) {
                out = out.stage(learn.apply(LearnConfig.defaults().withTraining(c.stageTraining(learnLr)).toStage()));
            }
            return out;
        });
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%g", r).replaceAll("\\.?0+$", "");
    }

    private static String rate(double lr) {
        return String.format(Locale.ROOT, "%.0e", lr);
    }

    private static String percent(double r) {
        return String.format(Locale.ROOT, "%s%%", ratio(100 * r));
    }
}
