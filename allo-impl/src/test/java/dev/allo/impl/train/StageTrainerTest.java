package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.AlloException;
import dev.allo.data.PaddingSide;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.optim.MaskedSgd;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.SgdConfig;
import dev.allo.train.LoopConfig;
import dev.allo.train.StageResult;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stage loop on a tiny LLaMA: accumulation, masks, learning, reproducibility, NaN detection, memory. */
class StageTrainerTest {

    private static StageResult train(DecoderModel model, ObjectiveConfig objective, dev.allo.optim.MaskedOptimizer opt,
            List<TokenizedPair> pairs, LoopConfig config, TrainingListener... listeners) {
        StageTrainer.Builder b = StageTrainer.builder().name("test").policy(model)
                .objective(PreferenceObjective.of(objective)).optimizer(opt).pairs(pairs).config(config)
                .padId(TinyStage.PAD);
        for (TrainingListener l : listeners) {
            b.listener(l);
        }
        return b.build().run();
    }

    /** Batch 8 as 1 x 8, 2 x 4 and 4 x 2 micro-batches: same loss, same SGD step (so same gradient). */
    private static void checkAccumulation(ObjectiveConfig objective, List<TokenizedPair> pairs) {
        double lr = 0.5;
        double[] losses = new double[3];
        List<Map<String, float[]>> after = new ArrayList<>();
        Map<String, float[]> before = null;
        int[] micro = {8, 4, 2};
        for (int i = 0; i < micro.length; i++) {
            try (DecoderModel model = TinyStage.model(7)) {
                before = TinyStage.weights(model);
                SgdConfig sgd = new SgdConfig(lr, 0, 0, 0, false, LearningRateSchedule.constant(),
                        GradientClipping.none());
                try (MaskedSgd opt = new MaskedSgd(sgd, TinyStage.all(model), model.parameters())) {
                    LoopConfig config = LoopConfig.of(8, micro[i], 1).withMaxSteps(1).withReferenceBatchSize(16);
                    StageResult r = train(model, objective, opt, pairs, config);
                    losses[i] = r.last().loss();
                }
                after.add(TinyStage.weights(model));
            }
        }
        assertThat(losses[1]).isCloseTo(losses[0], org.assertj.core.data.Offset.offset(1e-6));
        assertThat(losses[2]).isCloseTo(losses[0], org.assertj.core.data.Offset.offset(1e-6));
        double maxGradient = 0;
        for (String name : before.keySet()) {
            float[] w0 = before.get(name);
            float[] whole = after.get(0).get(name);
            for (int k = 1; k < 3; k++) {
                float[] split = after.get(k).get(name);
                for (int j = 0; j < w0.length; j++) {
                    double g = (w0[j] - whole[j]) / lr; // the whole batch's gradient
                    double gs = (w0[j] - split[j]) / lr; // the accumulated gradient
                    maxGradient = Math.max(maxGradient, Math.abs(g));
                    assertThat(gs).as("%s[%d], %d micro-batches", name, j, k == 1 ? 2 : 4)
                            .isCloseTo(g, org.assertj.core.data.Offset.offset(1e-5 + 1e-3 * Math.abs(g)));
                    assertThat(split[j]).isCloseTo(whole[j], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
        assertThat(maxGradient).as("the step moved the weights").isGreaterThan(1e-4);
    }

    @Test
    void accumulatedMicroBatchesEqualOneBatchForDpo() {
        checkAccumulation(ObjectiveConfig.Dpo.defaults(), TinyStage.pairs(16));
    }

    @Test
    void accumulatedMicroBatchesEqualOneBatchForTokenNpo() {
        checkAccumulation(ObjectiveConfig.TokenNpo.defaults(), TinyStage.weighted(TinyStage.pairs(16)));
    }

    @Test
    void aStageWithoutAFullBatchIsRefusedInsteadOfRunningZeroSteps() {
        try (DecoderModel model = TinyStage.model(3);
                SparseAdamW opt = new SparseAdamW(TinyStage.adamW(1e-3), TinyStage.all(model),
                        model.parameters())) {
            LoopConfig config = LoopConfig.of(4, 2, 1)
                    .withBatch(dev.allo.data.BatchConfig.of(4).withDropLast(true));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> StageTrainer.builder().name("tiny")
                    .policy(model).objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(opt)
                    .pairs(TinyStage.pairs(3)).config(config).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stage 'tiny' has no full batch: 3 pairs, batch size 4")
                    .hasMessageContaining("0 optimiser steps");
        }
    }

    @Test
    void firstDpoStepSeesZeroLogRatiosWithEitherPadding() {
        for (PaddingSide side : PaddingSide.values()) {
            try (DecoderModel model = TinyStage.model(3);
                    SparseAdamW opt = new SparseAdamW(TinyStage.adamW(1e-3), TinyStage.all(model),
                            model.parameters())) {
                LoopConfig config = LoopConfig.of(4, 2, 1).withMaxSteps(1)
                        .withBatch(dev.allo.data.BatchConfig.of(4).withPaddingSide(side));
                StageResult r = train(model, ObjectiveConfig.Dpo.defaults(), opt, TinyStage.pairs(8), config);
                StepMetrics m = r.last();
                // rho = 0 at the start: L = -log sigmoid(0) = log 2, every reward 0.
                assertThat(m.loss()).as("%s padding", side).isCloseTo(Math.log(2),
                        org.assertj.core.data.Offset.offset(1e-5));
                assertThat(m.get("rewards/chosen")).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-5));
                assertThat(m.get(StepMetrics.STEP)).isEqualTo(1.0);
                assertThat(m.get(StepMetrics.EPOCH)).isEqualTo(0.0);
                assertThat(m.learningRate()).isEqualTo(1e-3);
                assertThat(m.gradNorm()).isPositive();
                assertThat(m.get(StepMetrics.TOKENS_PER_SECOND)).isPositive();
                assertThat(m.get(StepMetrics.ELAPSED_SECONDS)).isPositive();
            }
        }
    }

    @Test
    void maskedStageLeavesEveryUnselectedWeightBitIdentical() {
        try (DecoderModel model = TinyStage.model(11)) {
            NeuronMask.Builder mb = NeuronMask.builder();
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                Shape shape = e.getValue().getShape();
                int n = (int) shape.size();
                int[] idx = java.util.stream.IntStream.range(0, n).filter(i -> i % 7 == 3).toArray();
                mb.add(e.getKey(), shape, idx);
            }
            NeuronMask mask = mb.build();
            Map<String, float[]> before = TinyStage.weights(model);
            AdamWConfig adamW = TinyStage.adamW(1e-2).toBuilder().weightDecay(0.1).build();
            try (SparseAdamW opt = new SparseAdamW(adamW, mask, model.parameters())) {
                train(model, ObjectiveConfig.TokenDpo.defaults(), opt, TinyStage.pairs(12), LoopConfig.of(4, 2, 2));
            }
            Map<String, float[]> after = TinyStage.weights(model);
            int changed = 0;
            for (String name : before.keySet()) {
                float[] a = before.get(name);
                float[] b = after.get(name);
                for (int i = 0; i < a.length; i++) {
                    if (mask.isSelected(name, i)) {
                        changed += Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i]) ? 1 : 0;
                    } else {
                        assertThat(Float.floatToRawIntBits(b[i])).as("%s[%d]", name, i)
                                .isEqualTo(Float.floatToRawIntBits(a[i]));
                    }
                }
            }
            assertThat(changed).isGreaterThan((int) (mask.selectedCount() / 2));
        }
    }

    @Test
    void dpoLowersTheLossAndWinsMostTrainingPairs() {
        List<TokenizedPair> pairs = TinyStage.pairs(16);
        try (DecoderModel model = TinyStage.model(5);
                SparseAdamW opt = new SparseAdamW(TinyStage.adamW(1e-2), TinyStage.all(model),
                        model.parameters())) {
            StageTrainer trainer = StageTrainer.builder().name("dpo").policy(model)
                    .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(opt).pairs(pairs)
                    .config(LoopConfig.of(8, 4, 8)).padId(TinyStage.PAD).build();
            ReferenceLogProbs reference = trainer.reference();
            PreferenceObjective dpo = PreferenceObjective.of(ObjectiveConfig.Dpo.defaults());
            Map<String, Double> start = PreferenceEvaluator.evaluate(model, dpo, pairs, reference, 5,
                    TokenLogProbs.unchunked(), TinyStage.PAD);
            StageResult r = trainer.run();
            Map<String, Double> end = PreferenceEvaluator.evaluate(model, dpo, pairs, reference, 5,
                    TokenLogProbs.unchunked(), TinyStage.PAD);
            assertThat(r.steps()).isEqualTo(16);
            assertThat(r.history()).hasSize(16);
            // At the start every reward is 0 up to rounding (the reference ran with other padding), so few strict wins.
            assertThat(start.get("rewards/accuracies")).isLessThanOrEqualTo(0.25);
            assertThat(end.get("loss")).isLessThan(start.get("loss") - 0.05);
            assertThat(end.get("rewards/accuracies")).isGreaterThan(0.5);
            assertThat(r.last().loss()).isLessThan(r.history().get(0).loss());
        }
    }

    @Test
    void sameSeedGivesBitIdenticalWeights() {
        List<Map<String, float[]>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (DecoderModel model = TinyStage.model(9);
                    SparseAdamW opt = new SparseAdamW(TinyStage.adamW(1e-2), TinyStage.all(model),
                            model.parameters())) {
                LoopConfig config = LoopConfig.of(4, 2, 2).withLogProbChunkSize(3);
                train(model, ObjectiveConfig.Dpo.defaults(), opt, TinyStage.pairs(10), config);
                runs.add(TinyStage.weights(model));
            }
        }
        for (String name : runs.get(0).keySet()) {
            assertThat(runs.get(1).get(name)).as(name).isEqualTo(runs.get(0).get(name));
        }
    }

    @Test
    void nanWeightStopsTheStageNamingTheStep() {
        try (DecoderModel model = TinyStage.model(2);
                SparseAdamW opt = new SparseAdamW(TinyStage.adamW(1e-2), TinyStage.all(model),
                        model.parameters())) {
            StageTrainer trainer = StageTrainer.builder().name("forget").policy(model)
                    .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(opt)
                    .pairs(TinyStage.pairs(8)).config(LoopConfig.of(4, 2, 1)).padId(TinyStage.PAD).build();
            trainer.reference(); // computed from the healthy starting model
            NDArray norm = model.parameters().get("model.norm.weight");
            try (NDManager m = NDManager.newBaseManager()) {
                norm.set(new ai.djl.ndarray.index.NDIndex("0"), m.create(Float.NaN));
            }
            Map<String, float[]> before = TinyStage.weights(model);
            assertThatThrownBy(trainer::run).isInstanceOf(AlloException.class)
                    .hasMessageContaining("stage 'forget' step 1").hasMessageContaining("NaN");
            assertThat(opt.stepCount()).isZero();
            Map<String, float[]> after = TinyStage.weights(model);
            for (String name : before.keySet()) {
                assertThat(after.get(name)).as(name).isEqualTo(before.get(name));
            }
        }
    }

    @Test
    void liveArraysStayFlatOverManySteps() {
        try (DecoderModel model = TinyStage.model(4);
                SparseAdamW opt = new SparseAdamW(TinyStage.adamW(1e-3), TinyStage.all(model),
                        model.parameters())) {
            NDManager system = model.manager().getParentManager();
            long[] counts = new long[130];
            TrainingListener counter = new TrainingListener() {
                @Override
                public void onStep(StepMetrics metrics) {
                    counts[(int) metrics.step() - 1] = system.getManagedArrays().size();
                }
            };
            train(model, ObjectiveConfig.Dpo.defaults(), opt, TinyStage.pairs(6),
                    LoopConfig.of(3, 2, 65), counter);
            assertThat(counts[129]).as("counts include the model's and the optimiser's arrays")
                    .isGreaterThan(model.parameters().size());
            assertThat(counts[129]).as("live arrays after step 130 vs. step 10").isEqualTo(counts[9]);
            assertThat(model.manager().getManagedArrays()).hasSize(model.parameters().size());
        }
    }
}
