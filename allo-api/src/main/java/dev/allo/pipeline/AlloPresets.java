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
