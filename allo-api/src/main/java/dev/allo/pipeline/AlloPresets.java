package dev.allo.pipeline;

import java.util.List;

/**
 * The paper's hyper-parameters per scenario (ALLO, Appendix B, Table 5). All three locate key neurons by the
 * weight delta of a one-epoch DPO warm-up (Sec. 4.1), use beta 0.1 in both stages and {@code u = 0.95}.
 *
 * <pre>
 *                         question answering   mathematical reasoning   instruction following
 * stage 1  learning rate  1e-7                 5e-8                     1e-7
 *          batch size     32                   512                      128
 *          neuron ratio   5%                   5%                       10%
 * stage 2  learning rate  5e-6                 1e-6                     5e-6
 *          batch size     32                   512                      128
 *          neuron ratio   10%                  20%                      15%
 *          v              20%                  50%                      20%
 * </pre>
 *
 * <p>Micro-batches default to 8 pairs (gradients are accumulated to the batch size); change them with
 * {@link TrainingConfig#withBatchSize(int, int)} to fit memory.
 *
 * <p>The Table 5 presets are for 7B models and tens of thousands of pairs: on a small model and a few hundred pairs
 * their learning rates leave the loss where it started and their batch sizes give a handful of steps (the pipeline
 * warns of both). {@link #smallModel()} is the preset measured on the examples' small models instead.
 */
public final class AlloPresets {
    private AlloPresets() {}

    /**
     * Table 5, question answering (QASC, OBQA).
     *
     * @return the config
     */
    public static AlignmentConfig questionAnswering() {
        return preset(1e-7, 32, 0.05, 5e-6, 32, 0.10, 0.20);
    }

    /**
     * Table 5, mathematical reasoning (MATH, MAWPS).
     *
     * @return the config
     */
    public static AlignmentConfig mathematicalReasoning() {
        return preset(5e-8, 512, 0.05, 1e-6, 512, 0.20, 0.50);
    }

    /**
     * Table 5, instruction following (AlpacaEval 2.0, Arena-Hard).
     *
     * @return the config
     */
    public static AlignmentConfig instructionFollowing() {
        return preset(1e-7, 128, 0.10, 5e-6, 128, 0.15, 0.20);
    }

    /**
     * A preset for small models (up to a few million parameters) and a few hundred pairs, from the examples'
     * measurements, not from the paper: batches of {@value #SMALL_BATCH} pairs without accumulation, so that a few
     * hundred pairs give tens of steps per stage instead of Table 5's handful; warm-up (weight delta, Sec. 4.1) one
     * epoch of DPO at {@value #SMALL_WARM_UP_LR}; forgetting on the top 5% at {@value #SMALL_FORGET_LR}, one epoch;
     * learning on the top 10%, {@code v = 0.2}, at {@value #SMALL_LEARN_LR}, two epochs; beta 0.1, {@code u = 0.95}.
     * The forgetting and learning rates are the ones with the best mean greedy accuracy on validation problems for a
     * 0.4M-parameter model on the examples' one-step systematic-mistakes task (five seeds, grid: forgetting
     * {@code g}, learning {@code 10 g}, {@code g} in {3e-5, 1e-4, 3e-4}): the grid's lower edge, where the
     * forgetting loss barely moves, both with SFT models trained 6 and 10 epochs. The warm-up rate was not
     * searched. Treat the rates as a starting point and choose yours on a validation metric; the pipeline warns
     * when a stage takes fewer than 10 steps or its loss does not move.
     *
     * @return the config
     */
    public static AlignmentConfig smallModel() {
        TrainingConfig base = TrainingConfig.defaults().withBatchSize(SMALL_BATCH, SMALL_BATCH);
        ForgetConfig forget = ForgetConfig.defaults().withTraining(base.withLearningRate(SMALL_FORGET_LR));
        LearnConfig learn = LearnConfig.defaults().withTraining(base.withLearningRate(SMALL_LEARN_LR).withEpochs(2));
        LocateConfig locate = LocateConfig.weightDelta().withWarmUp(base.withLearningRate(SMALL_WARM_UP_LR)
                .withEpochs(1));
        return AlignmentConfig.of(locate, List.of(forget.toStage(), learn.toStage()));
    }

    /** {@link #smallModel()}'s warm-up learning rate. */
    public static final double SMALL_WARM_UP_LR = 1e-3;
    /** {@link #smallModel()}'s forgetting-stage learning rate. */
    public static final double SMALL_FORGET_LR = 3e-5;
    /** {@link #smallModel()}'s learning-stage learning rate. */
    public static final double SMALL_LEARN_LR = 3e-4;
    /** {@link #smallModel()}'s batch size. */
    public static final int SMALL_BATCH = 16;

    private static AlignmentConfig preset(double lr1, int batch1, double k1, double lr2, int batch2, double k2,
            double v) {
        TrainingConfig base = TrainingConfig.defaults();
        ForgetConfig forget = ForgetConfig.defaults().withNeuronRatio(k1)
                .withTraining(base.withLearningRate(lr1).withBatchSize(batch1, 8));
        LearnConfig learn = LearnConfig.defaults().withNeuronRatio(k2).withNoisyTokenRatio(v)
                .withTraining(base.withLearningRate(lr2).withBatchSize(batch2, 8));
        return AlignmentConfig.of(LocateConfig.weightDelta(), List.of(forget.toStage(), learn.toStage()));
    }
}
