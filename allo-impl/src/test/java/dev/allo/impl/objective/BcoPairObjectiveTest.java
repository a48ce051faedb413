package dev.allo.impl.objective;

import static dev.allo.impl.objective.NdBatches.assertMatches;
import static dev.allo.impl.objective.NdBatches.step;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ObjectiveReference;
import dev.allo.fixtures.objective.ReferenceBatch;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BCO-pair's running reward mean follows the reference across steps and survives a save and restore. */
class BcoPairObjectiveTest {

    private static ReferenceBatch batch(long seed) {
        return ObjectiveBatches.build(ObjectiveBatches.Spec.pairs(4, 8), 3, 6, 5, seed);
    }

    @Test
    void runningMeanFollowsTheReferenceOverSteps() {
        ObjectiveConfig config = new ObjectiveConfig.BcoPair(0.3);
        PreferenceObjective bco = PreferenceObjective.of(config);
        ObjectiveReference reference = new ObjectiveReference(config);
        try (NDManager m = NDManager.newBaseManager()) {
            for (long seed = 1; seed <= 4; seed++) {
                assertMatches(step(bco, m, batch(seed)), reference.compute(batch(seed)));
            }
        }
        assertThat(bco.saveState().get("running_count")).containsExactly(4.0);
        assertThat(bco.saveState().get("running_mean")[0])
                .isCloseTo(reference.bcoMean(), org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void restoredStateContinuesExactlyLikeTheOriginal() {
        ObjectiveConfig config = ObjectiveConfig.WithSft.of(ObjectiveConfig.BcoPair.defaults());
        PreferenceObjective original = PreferenceObjective.of(config);
        try (NDManager m = NDManager.newBaseManager()) {
            step(original, m, batch(11));
            step(original, m, batch(12));
            Map<String, double[]> saved = original.saveState();
            PreferenceObjective restored = PreferenceObjective.of(config);
            restored.restoreState(saved);
            NdBatches.Step a = step(original, m, batch(13));
            NdBatches.Step b = step(restored, m, batch(13));
            assertThat(b.loss()).isEqualTo(a.loss());
            assertThat(b.output().metrics()).isEqualTo(a.output().metrics());
            assertThat(b.chosenGradient()).isDeepEqualTo(a.chosenGradient());
            assertThat(restored.saveState().get("running_mean")).containsExactly(original.saveState()
                    .get("running_mean"));
        }
    }
}
