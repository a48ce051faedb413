package dev.allo.impl.objective;

import static dev.allo.impl.objective.NdBatches.assertMatches;
import static dev.allo.impl.objective.NdBatches.step;
import static org.quicktheories.QuickTheory.qt;

import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ObjectiveConfigs;
import dev.allo.fixtures.objective.ObjectiveReference;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Every objective's loss, metrics, loss terms and autograd gradients equal the double-precision reference on random
 * batches (sizes, lengths, prompt lengths, left/right padding, masks, weights, tied values).
 */
class ObjectiveProperties {

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void pairwiseObjectivesMatchTheReference() {
        check(ObjectiveConfigs.pairwise(), ObjectiveBatches.Spec.pairs(4, 10), 150);
    }

    @Test
    void tokenDpoMatchesTheReferenceForEveryNoisyTokenRatio() {
        check(ObjectiveConfigs.tokenDpo(), ObjectiveBatches.Spec.pairs(4, 12), 100);
    }

    @Test
    void objectivesWithAnSftTermMatchTheReference() {
        check(ObjectiveConfigs.withSft(), ObjectiveBatches.Spec.pairs(3, 8), 60);
    }

    @Test
    void tokenAndSequenceNpoMatchTheReferenceOnRejectedOnlyBatches() {
        check(ObjectiveConfigs.tokenNpo().mix(ObjectiveConfigs.npo()),
                new ObjectiveBatches.Spec(4, 10, false, true, true), 80);
    }

    @Test
    void tokenAndSequenceNpoIgnoreTheChosenSideForTheLossButReportItsMetrics() {
        check(ObjectiveConfigs.tokenNpo().mix(ObjectiveConfigs.npo()), ObjectiveBatches.Spec.pairs(3, 8), 40);
    }

    @Test
    void sftAloneMatchesTheReference() {
        Gen<ObjectiveConfig> sft = SourceDSL.integers().all().map(i -> new ObjectiveConfig.Sft());
        check(sft, new ObjectiveBatches.Spec(4, 10, true, false, false), 30);
        check(sft, new ObjectiveBatches.Spec(3, 8, true, true, false), 20);
    }

    @Test
    void simPoNeedsNoReference() {
        Gen<ObjectiveConfig> simpo = SourceDSL.doubles().between(0.5, 3).map(b -> new ObjectiveConfig.SimPo(b, 0.5));
        check(simpo, new ObjectiveBatches.Spec(3, 8, true, true, false), 30);
    }

    private static void check(Gen<ObjectiveConfig> configs, ObjectiveBatches.Spec spec, int examples) {
        qt().withFixedSeed(7_001L).withExamples(examples).forAll(configs, ObjectiveBatches.batches(spec))
                .checkAssert((config, batch) -> {
                    try (NDManager m = manager.newSubManager()) {
                        assertMatches(step(PreferenceObjective.of(config), m, batch),
                                new ObjectiveReference(config).compute(batch));
                    }
                });
    }
}
