package dev.allo.impl.objective;

import static dev.allo.impl.objective.NdBatches.assertClose;
import static dev.allo.impl.objective.NdBatches.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.objective.FilteredRewardsReference;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ObjectiveConfigs;
import dev.allo.fixtures.objective.ReferenceBatch;
import dev.allo.fixtures.objective.ReferenceSide;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token-weighted DPO's {@code rewards/filtered_*} metrics (the margin ALLO's Eq. (9) optimises after the filter of
 * Eq. (8)) equal the double-precision reference on random batches (sizes, lengths, prompt lengths, padding sides,
 * masks, weights, tied values, noisy-token ratios), and reduce to TRL's sequence-level {@code rewards/*} when nothing
 * is filtered or weighted.
 */
class FilteredRewardsProperties {

    private static final long SEED = 9_113L;
    private static final List<String> NAMES = List.of("rewards/filtered_chosen", "rewards/filtered_rejected",
            "rewards/filtered_margins", "rewards/filtered_accuracies");

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
    void filteredRewardsEqualTheReference() {
        qt().withFixedSeed(SEED).withExamples(200)
                .forAll(ObjectiveConfigs.tokenDpo(), ObjectiveBatches.batches(ObjectiveBatches.Spec.pairs(5, 14)))
                .checkAssert((config, batch) -> {
                    ObjectiveConfig.TokenDpo c = (ObjectiveConfig.TokenDpo) config;
                    Map<String, Double> expected = FilteredRewardsReference.compute(batch, c.beta(),
                            c.noisyTokenRatio());
                    assertThat(expected.keySet()).containsExactlyElementsOf(NAMES);
                    try (NDManager m = manager.newSubManager()) {
                        Map<String, Float> actual = step(PreferenceObjective.of(config), m, batch).output().metrics();
                        for (String name : NAMES) {
                            assertThat(actual).as(name).containsKey(name);
                            assertClose(name, actual.get(name), expected.get(name));
                        }
                        assertThat(Math.round(actual.get("rewards/filtered_accuracies") * batch.rows()))
                                .as("pairs with a positive filtered margin")
                                .isEqualTo(Math.round(expected.get("rewards/filtered_accuracies") * batch.rows()));
                    }
                });
    }

    @Test
    void filteredMarginsAreFilteredChosenMinusFilteredRejected() {
        qt().withFixedSeed(SEED).withExamples(60)
                .forAll(ObjectiveConfigs.tokenDpo(), ObjectiveBatches.batches(ObjectiveBatches.Spec.pairs(4, 10)))
                .checkAssert((config, batch) -> {
                    try (NDManager m = manager.newSubManager()) {
                        Map<String, Float> metrics = step(PreferenceObjective.of(config), m, batch).output()
                                .metrics();
                        assertClose("filtered margins", metrics.get("rewards/filtered_margins"),
                                metrics.get("rewards/filtered_chosen") - metrics.get("rewards/filtered_rejected"));
                    }
                });
    }

    @Test
    void withNoFilterAndNoWeightsTheFilteredRewardsAreTheSequenceRewards() {
        qt().withFixedSeed(SEED).withExamples(60)
                .forAll(doubles().between(0.05, 1.0), ObjectiveBatches.batches(ObjectiveBatches.Spec.pairs(4, 10)))
                .checkAssert((beta, generated) -> {
                    ReferenceBatch batch = new ReferenceBatch(generated.chosen().withWeights(null),
                            generated.rejected().withWeights(null));
                    try (NDManager m = manager.newSubManager()) {
                        Map<String, Float> metrics = step(
                                PreferenceObjective.of(new ObjectiveConfig.TokenDpo(beta, 0)), m, batch).output()
                                .metrics();
                        for (String kind : List.of("chosen", "rejected", "margins", "accuracies")) {
                            assertClose(kind, metrics.get("rewards/filtered_" + kind),
                                    metrics.get("rewards/" + kind));
                        }
                    }
                });
    }

    @Test
    void theFilteredMarginCanBePositiveWhileTheSequenceMarginIsNegative() {
        // One pair, beta = 1, v = 0.5: chosen rho = {0}, rejected rho = {1, -0.25}; the filter drops the 1.
        double[][] one = {{1.0}};
        ReferenceBatch batch = new ReferenceBatch(
                new ReferenceSide(new double[][] {{-1.0}}, new double[][] {{-1.0}}, one,
                        null, null),
                new ReferenceSide(new double[][] {{-1.0, -1.25}},
                        new double[][] {{-2.0, -1.0}}, new double[][] {{1.0, 1.0}}, null, null));
        try (NDManager m = manager.newSubManager()) {
            Map<String, Float> metrics = step(PreferenceObjective.of(new ObjectiveConfig.TokenDpo(1.0, 0.5)), m,
                    batch).output().metrics();
            assertThat(metrics.get("rewards/margins")).isEqualTo(-0.75f); // 0 - (1 - 0.25)
            assertThat(metrics.get("rewards/accuracies")).isEqualTo(0f);
            assertThat(metrics.get("rewards/filtered_rejected")).isEqualTo(-0.25f);
            assertThat(metrics.get("rewards/filtered_margins")).isEqualTo(0.25f);
            assertThat(metrics.get("rewards/filtered_accuracies")).isEqualTo(1f);
        }
    }
}
