package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ObjectiveConfigs;
import dev.allo.fixtures.objective.ObjectiveReference;
import dev.allo.fixtures.objective.ReferenceBatch;
import dev.allo.fixtures.objective.ReferenceSide;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Metrics averaged over the micro-batches of a split batch equal the metrics of the whole batch, computed by the
 * double-precision reference: per-pair means (every {@code rewards/*}, token DPO's {@code rewards/filtered_*}
 * included) weighted by pairs, token means by response tokens.
 */
class MetricAveragerProperties {

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
    void averagedMicroBatchMetricsEqualTheWholeBatchsMetrics() {
        Gen<ObjectiveConfig> configs = ObjectiveConfigs.tokenDpo().mix(ObjectiveConfigs.pairwise());
        qt().withFixedSeed(31_337L).withExamples(80)
                .forAll(configs, ObjectiveBatches.batches(ObjectiveBatches.Spec.pairs(6, 10)), doubles().between(0, 1))
                .assuming((config, batch, u) -> batch.rows() >= 2)
                .checkAssert((config, batch, u) -> {
                    int split = 1 + (int) Math.min(batch.rows() - 2, Math.floor(u * (batch.rows() - 1)));
                    Map<String, Double> expected = new ObjectiveReference(config).compute(batch).metrics();
                    MetricAverager averager = new MetricAverager();
                    for (ReferenceBatch part : List.of(batch.rows(0, split), batch.rows(split, batch.rows()))) {
                        averager.add(metrics(config, part), 0.0, rows(part));
                    }
                    Map<String, Double> actual = averager.result();
                    assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
                    expected.forEach((name, value) -> {
                        if (!name.equals("loss")) { // the averager sums accumulation losses, not tested here
                            assertThat(actual.get(name)).as(name)
                                    .isCloseTo(value, within(1e-5 + 2e-5 * Math.abs(value)));
                        }
                    });
                });
    }

    /** One micro-batch's metrics from a fresh objective (BCO-pair's state is not what this test is about). */
    private static Map<String, Float> metrics(ObjectiveConfig config, ReferenceBatch part) {
        try (NDManager m = manager.newSubManager()) {
            PreferenceBatchLogProbs batch =
                    new PreferenceBatchLogProbs(side(m, part.chosen()), side(m, part.rejected()));
            return PreferenceObjective.of(config).compute(batch).metrics();
        }
    }

    /** Pairs whose response lengths are the batch's, which is all the averager reads of them. */
    private static List<TokenizedPair> rows(ReferenceBatch part) {
        List<TokenizedPair> out = new ArrayList<>();
        for (int b = 0; b < part.rows(); b++) {
            out.add(TokenizedPair.unweighted(b, PreferenceExample.of("p", "c", "r"), new int[] {1},
                    new int[part.chosen().length(b)], new int[part.rejected().length(b)], Optional.empty()));
        }
        return out;
    }

    private static ResponseLogProbs side(NDManager m, ReferenceSide side) {
        return new ResponseLogProbs(array(m, side.policy()), array(m, side.reference()), array(m, side.mask()),
                array(m, side.weights()), array(m, side.meanLogits()));
    }

    private static NDArray array(NDManager m, double[][] values) {
        if (values == null) {
            return null;
        }
        float[][] f = new float[values.length][];
        for (int b = 0; b < values.length; b++) {
            f[b] = new float[values[b].length];
            for (int j = 0; j < values[b].length; j++) {
                f[b][j] = (float) values[b][j];
            }
        }
        return m.create(f);
    }
}
