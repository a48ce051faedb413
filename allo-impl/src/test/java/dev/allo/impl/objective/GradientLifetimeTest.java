package dev.allo.impl.objective;

import static dev.allo.impl.objective.NdBatches.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ObjectiveReference;
import dev.allo.fixtures.objective.ReferenceBatch;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceObjective;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gradients stay right when the garbage collector runs and memory is reused between {@code compute} and
 * {@code backward} (the objectives free their intermediates, and DJL's {@code mul(Number)} would have freed a
 * scalar the backward pass reads), and the outputs join the caller's {@link NDScope}.
 */
class GradientLifetimeTest {

    @Test
    void gradientsSurviveGarbageCollectionBetweenComputeAndBackward() {
        List<ObjectiveConfig> configs = List.of(ObjectiveConfig.Dpo.defaults(), ObjectiveConfig.TokenDpo.defaults(),
                ObjectiveConfig.Ipo.defaults(), new ObjectiveConfig.Hinge(0.02), ObjectiveConfig.SimPo.defaults(),
                ObjectiveConfig.ConservativeDpo.defaults(), ObjectiveConfig.RDpo.defaults(),
                ObjectiveConfig.BcoPair.defaults(), ObjectiveConfig.WithSft.of(ObjectiveConfig.Dpo.defaults()));
        try (NDManager m = NDManager.newBaseManager()) {
            long seed = 100;
            for (ObjectiveConfig config : configs) {
                ReferenceBatch batch = ObjectiveBatches.build(ObjectiveBatches.Spec.pairs(4, 8), 3, 7, 6, seed++);
                NdBatches.Nd nd = NdBatches.toNd(m, batch);
                ObjectiveOutput out;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    out = PreferenceObjective.of(config).compute(nd.batch());
                    churn(m);
                    collector.backward(out.loss());
                }
                assertMatches(new NdBatches.Step(out, out.loss().getFloat(), NdBatches.gradient(nd.chosenPolicy()),
                        NdBatches.gradient(nd.rejectedPolicy())), new ObjectiveReference(config).compute(batch));
            }
        }
    }

    @Test
    void outputsJoinTheCallersScopeAndIntermediatesAreFreed() {
        try (NDManager m = NDManager.newBaseManager()) {
            ReferenceBatch batch = ObjectiveBatches.build(ObjectiveBatches.Spec.pairs(2, 4), 2, 4, 4, 5);
            NdBatches.Nd nd = NdBatches.toNd(m, batch);
            int before = m.getManagedArrays().size();
            ObjectiveOutput out;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                out = PreferenceObjective.of(ObjectiveConfig.TokenDpo.defaults()).compute(nd.batch());
                assertThat(out.loss().isReleased()).isFalse();
            }
            assertThat(out.loss().isReleased()).isTrue();
            assertThat(out.terms().get(0).sum().isReleased()).isTrue();
            assertThat(m.getManagedArrays().size()).isEqualTo(before);
        }
    }

    private static void churn(NDManager m) {
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i = 0; i < 2000; i++) {
                m.create(new float[] {7f, 7f, 7f, 7f}).close();
            }
        }
    }
}
