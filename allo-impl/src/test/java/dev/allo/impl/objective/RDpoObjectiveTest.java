package dev.allo.impl.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import org.junit.jupiter.api.Test;

/** R-DPO's length term, worked by hand (Park et al. 2024, Eq. 9): {@code -logsig(beta h + alpha (n+ - n-))}. */
class RDpoObjectiveTest {

    @Test
    void aLongerChosenResponseLowersTheLoss() {
        try (NDManager m = NDManager.newBaseManager()) {
            // policy == reference, so h = 0; chosen has 4 response tokens, rejected 2: n+ - n- = 2.
            NDArray zeros = m.zeros(new Shape(1, 5));
            NDArray chosenMask = m.create(new float[] {0, 1, 1, 1, 1}, new Shape(1, 5));
            NDArray rejectedMask = m.create(new float[] {0, 1, 1, 0, 0}, new Shape(1, 5));
            PreferenceBatchLogProbs batch = PreferenceBatchLogProbs.of(
                    ResponseLogProbs.of(zeros, zeros, chosenMask), ResponseLogProbs.of(zeros, zeros, rejectedMask));
            double loss = PreferenceObjective.of(new ObjectiveConfig.RDpo(0.1, 0.05)).compute(batch).loss()
                    .getFloat();
            // -log sigmoid(0 + 0.05 * 2) = log(1 + e^-0.1)
            assertThat(loss).isCloseTo(Math.log1p(Math.exp(-0.1)), within(1e-6));
            assertThat(loss).isLessThan(Math.log(2));
        }
    }
}
