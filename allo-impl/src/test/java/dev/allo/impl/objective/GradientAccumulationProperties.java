package dev.allo.impl.objective;

import static dev.allo.impl.objective.NdBatches.assertClose;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ObjectiveConfigs;
import dev.allo.fixtures.objective.ObjectiveReference;
import dev.allo.fixtures.objective.ReferenceBatch;
import dev.allo.fixtures.objective.ReferenceResult;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Splitting a batch into two micro-batches and back-propagating each one's
 * {@link ObjectiveOutput#accumulationLoss(Map)} with the whole batch's counts gives the whole batch's loss and
 * gradients (BCO-pair is excluded: its running mean advances per micro-batch by design).
 */
class GradientAccumulationProperties {

    @Test
    void accumulatedMicroBatchesEqualTheWholeBatch() {
        Gen<ObjectiveConfig> configs = ObjectiveConfigs.pairwise().mix(ObjectiveConfigs.withSft())
                .assuming(c -> !(c instanceof ObjectiveConfig.BcoPair)
                        && !(c instanceof ObjectiveConfig.WithSft
                                && ((ObjectiveConfig.WithSft) c).base() instanceof ObjectiveConfig.BcoPair));
        check(configs, ObjectiveBatches.Spec.pairs(5, 8));
    }

    @Test
    void tokenNpoAccumulatesOverWeightedTokens() {
        check(ObjectiveConfigs.tokenNpo().mix(ObjectiveConfigs.npo()), new ObjectiveBatches.Spec(5, 8, false, true,
                true));
    }

    private static void check(Gen<ObjectiveConfig> configs, ObjectiveBatches.Spec spec) {
        qt().withFixedSeed(31_337L).withExamples(60)
                .forAll(configs, ObjectiveBatches.batches(spec), integers().between(1, 4))
                .assuming((config, batch, split) -> split < batch.rows())
                .checkAssert((config, batch, split) -> {
                    ReferenceResult whole = new ObjectiveReference(config).compute(batch);
                    List<ReferenceBatch> parts = List.of(batch.rows(0, split), batch.rows(split, batch.rows()));
                    try (NDManager m = NDManager.newBaseManager()) {
                        List<NdBatches.Nd> nds = List.of(NdBatches.toNd(m, parts.get(0)),
                                NdBatches.toNd(m, parts.get(1)));
                        Map<Normalization, Double> totals = new EnumMap<>(Normalization.class);
                        for (Normalization n : Normalization.values()) {
                            double total = 0;
                            for (NdBatches.Nd nd : nds) {
                                total += count(n, nd.batch());
                            }
                            totals.put(n, total);
                        }
                        PreferenceObjective objective = PreferenceObjective.of(config);
                        double loss = 0;
                        for (NdBatches.Nd nd : nds) {
                            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                                ObjectiveOutput out = objective.compute(nd.batch());
                                NDArray part = out.accumulationLoss(totals);
                                loss += part.getFloat();
                                collector.backward(part);
                            }
                        }
                        assertClose("accumulated loss", loss, whole.loss());
                        if (batch.chosen() != null) {
                            assertClose("chosen gradient", stack(nds, true), whole.chosenGradient());
                        }
                        assertClose("rejected gradient", stack(nds, false), whole.rejectedGradient());
                    }
                });
    }

    private static double count(Normalization n, PreferenceBatchLogProbs batch) {
        NDArray chosenMask = batch.chosen() == null ? null : batch.chosen().mask();
        if (batch.rejected() == null) {
            return n == Normalization.WEIGHTED_REJECTED_TOKENS ? 0 : n.count(chosenMask, null, null);
        }
        if (chosenMask == null && n == Normalization.CHOSEN_TOKENS) {
            return 0;
        }
        return n.count(chosenMask, batch.rejected().mask(), batch.rejected().weights());
    }

    private static double[][] stack(List<NdBatches.Nd> nds, boolean chosen) {
        double[][] first = NdBatches.gradient(chosen ? nds.get(0).chosenPolicy() : nds.get(0).rejectedPolicy());
        double[][] second = NdBatches.gradient(chosen ? nds.get(1).chosenPolicy() : nds.get(1).rejectedPolicy());
        double[][] out = new double[first.length + second.length][];
        System.arraycopy(first, 0, out, 0, first.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
