package dev.allo.impl.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.allo.fixtures.objective.NoisyTokenFilterReference;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ReferenceSide;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The DJL filter of ALLO Eq. (8) equals the enumerating reference, ties included. */
class NoisyTokenFilterProperties {

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
    void keepMaskEqualsTheReferenceAndDropsFloorOfVTimesLengthPerRow() {
        ObjectiveBatches.Spec spec = new ObjectiveBatches.Spec(5, 16, false, true, true);
        qt().withFixedSeed(4_242L).withExamples(300)
                .forAll(doubles().between(0, 1).mix(doubles().between(0, 1).map(v -> Math.round(v * 10) / 10.0)),
                        ObjectiveBatches.batches(spec))
                .checkAssert((ratio, batch) -> {
                    ReferenceSide r = batch.rejected();
                    double[][] expected = NoisyTokenFilterReference.keep(r, ratio);
                    try (NDManager m = manager.newSubManager()) {
                        NDArray rho = NdBatches.array(m, r.policy()).sub(NdBatches.array(m, r.reference()));
                        NDArray mask = NdBatches.array(m, r.mask()).eq(1f);
                        NDArray length = mask.toType(DataType.FLOAT32, false).sum(new int[] {1});
                        float[] q = new NoisyTokenFilter(ratio).keep(rho, mask, length).toFloatArray();
                        for (int b = 0; b < r.rows(); b++) {
                            int dropped = 0;
                            for (int j = 0; j < r.positions(); j++) {
                                double actual = q[b * r.positions() + j];
                                assertThat(actual).as("q[%d, %d]", b, j).isEqualTo(expected[b][j]);
                                dropped += actual == 0 ? 1 : 0;
                            }
                            assertThat(dropped).isEqualTo((int) Math.floor(ratio * r.length(b)));
                        }
                    }
                });
    }
}
