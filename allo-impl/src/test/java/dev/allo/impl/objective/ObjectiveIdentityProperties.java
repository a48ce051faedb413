package dev.allo.impl.objective;

import static dev.allo.impl.objective.NdBatches.assertClose;
import static dev.allo.impl.objective.NdBatches.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.objective.NoisyTokenFilterReference;
import dev.allo.fixtures.objective.ObjectiveBatches;
import dev.allo.fixtures.objective.ObjectiveConfigs;
import dev.allo.fixtures.objective.ReferenceBatch;
import dev.allo.fixtures.objective.ReferenceSide;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** Identities the objectives must satisfy, independently of the reference implementation's formulas. */
class ObjectiveIdentityProperties {

    private static final long SEED = 9_113L;
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
    void dpoWithPolicyEqualToReferenceIsLnTwoAndItsGradientRaisesChosen() {
        qt().withFixedSeed(SEED).withExamples(60).forAll(betas(), pairs()).checkAssert((beta, grid) -> {
            ReferenceBatch batch = new ReferenceBatch(grid.chosen().withPolicyEqualToReference(),
                    grid.rejected().withPolicyEqualToReference());
            try (NDManager m = manager.newSubManager()) {
                NdBatches.Step s = step(PreferenceObjective.of(new ObjectiveConfig.Dpo(beta)), m, batch);
                assertThat(s.loss()).isCloseTo(Math.log(2), within(1e-6));
                forEachToken(batch.chosen(), (b, j, weighted) -> {
                    if (weighted) {
                        assertThat(s.chosenGradient()[b][j]).as("chosen [%d, %d]", b, j).isNegative();
                    } else {
                        assertThat(s.chosenGradient()[b][j]).isZero();
                    }
                });
                forEachToken(batch.rejected(), (b, j, weighted) -> {
                    if (weighted) {
                        assertThat(s.rejectedGradient()[b][j]).as("rejected [%d, %d]", b, j).isPositive();
                    } else {
                        assertThat(s.rejectedGradient()[b][j]).isZero();
                    }
                });
            }
        });
    }

    @Test
    void swappingChosenAndRejectedAddsBetaTimesTheMarginToDpo() {
        // -logsig(-x) - (-logsig(x)) = x, so L(swapped) - L = mean_b beta h_b.
        qt().withFixedSeed(SEED).withExamples(60).forAll(betas(), pairs()).checkAssert((beta, batch) -> {
            PreferenceObjective dpo = PreferenceObjective.of(new ObjectiveConfig.Dpo(beta));
            try (NDManager m = manager.newSubManager()) {
                double loss = step(dpo, m, batch).loss();
                double swapped = step(dpo, m, batch.swapped()).loss();
                double meanMargin = 0;
                for (int b = 0; b < batch.rows(); b++) {
                    meanMargin += beta * (weightedSum(batch.chosen(), b) - weightedSum(batch.rejected(), b));
                }
                meanMargin /= batch.rows();
                assertThat(swapped - loss).isCloseTo(meanMargin, within(1e-5 * Math.max(1, Math.abs(swapped))));
            }
        });
    }

    @Test
    void allOnesWeightsReduceTokenNpoAndTokenDpoToTheirUnweightedForms() {
        Gen<ObjectiveConfig> configs = ObjectiveConfigs.tokenNpo().mix(ObjectiveConfigs.tokenDpo());
        qt().withFixedSeed(SEED).withExamples(60).forAll(configs, pairs()).checkAssert((config, batch) -> {
            ReferenceBatch unweighted = map(batch, side -> side.withWeights(null));
            ReferenceBatch ones = map(batch, ReferenceSide::withOnesWeights);
            try (NDManager m = manager.newSubManager()) {
                NdBatches.Step withOnes = step(PreferenceObjective.of(config), m, ones);
                NdBatches.Step withNone = step(PreferenceObjective.of(config), m, unweighted);
                assertThat(withOnes.loss()).isEqualTo(withNone.loss());
                assertThat(withOnes.rejectedGradient()).isDeepEqualTo(withNone.rejectedGradient());
                assertThat(withOnes.chosenGradient()).isDeepEqualTo(withNone.chosenGradient());
                if (config instanceof ObjectiveConfig.TokenNpo) {
                    // Unweighted token NPO: the mean over rejected response tokens of -logsig(-beta rho).
                    double beta = ((ObjectiveConfig.TokenNpo) config).beta();
                    double total = 0;
                    int count = 0;
                    ReferenceSide r = batch.rejected();
                    for (int b = 0; b < r.rows(); b++) {
                        for (int j = 0; j < r.positions(); j++) {
                            if (r.isResponse(b, j)) {
                                total += Math.log1p(Math.exp(beta * r.logRatio(b, j)));
                                count++;
                            }
                        }
                    }
                    assertClose("unweighted token NPO", withOnes.loss(), total / count);
                }
            }
        });
    }

    @Test
    void zeroNoisyTokenRatioReducesTokenDpoToSequenceDpo() {
        qt().withFixedSeed(SEED).withExamples(60).forAll(betas(), pairs()).checkAssert((beta, batch) -> {
            try (NDManager m = manager.newSubManager()) {
                NdBatches.Step tokenDpo = step(PreferenceObjective.of(new ObjectiveConfig.TokenDpo(beta, 0)), m,
                        batch);
                NdBatches.Step dpo = step(PreferenceObjective.of(new ObjectiveConfig.Dpo(beta)), m, batch);
                assertThat(tokenDpo.loss()).isEqualTo(dpo.loss());
                assertThat(tokenDpo.chosenGradient()).isDeepEqualTo(dpo.chosenGradient());
                assertThat(tokenDpo.rejectedGradient()).isDeepEqualTo(dpo.rejectedGradient());
                assertThat(tokenDpo.output().metrics().get("tokens/rejected_kept_fraction")).isEqualTo(1f);
            }
        });
    }

    @Test
    void tokensWithZeroWeightOrFilteredOutGetExactlyZeroGradient() {
        Gen<ObjectiveConfig> configs = ObjectiveConfigs.tokenNpo().mix(ObjectiveConfigs.tokenDpo());
        qt().withFixedSeed(SEED).withExamples(80).forAll(configs, pairs()).checkAssert((config, batch) -> {
            double[][] keep = config instanceof ObjectiveConfig.TokenDpo
                    ? NoisyTokenFilterReference.keep(batch.rejected(),
                            ((ObjectiveConfig.TokenDpo) config).noisyTokenRatio())
                    : null;
            try (NDManager m = manager.newSubManager()) {
                NdBatches.Step s = step(PreferenceObjective.of(config), m, batch);
                ReferenceSide r = batch.rejected();
                for (int b = 0; b < r.rows(); b++) {
                    for (int j = 0; j < r.positions(); j++) {
                        boolean silent = !r.isResponse(b, j) || r.weight(b, j) == 0
                                || (keep != null && keep[b][j] == 0);
                        if (silent) {
                            assertThat(s.rejectedGradient()[b][j]).as("rejected [%d, %d]", b, j).isEqualTo(0.0);
                        }
                    }
                }
            }
        });
    }

    @Test
    void paddingNeverChangesALossOrAGradient() {
        Gen<ObjectiveConfig> configs = ObjectiveConfigs.pairwise().mix(ObjectiveConfigs.withSft())
                .mix(ObjectiveConfigs.tokenNpo()).mix(ObjectiveConfigs.npo());
        Gen<Double> garbage = integers().between(0, 4).map(i -> new double[] {Double.NaN,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e30, -3.5}[i]);
        qt().withFixedSeed(SEED).withExamples(100).forAll(configs, pairs(), garbage, integers().between(0, 3))
                .checkAssert((config, batch, fill, extra) -> {
                    ReferenceBatch padded = map(batch, side -> side.withNonResponse(fill).withExtraPadding(extra, fill));
                    try (NDManager m = manager.newSubManager()) {
                        // Fresh objectives: BCO-pair's running mean must start from the same state.
                        NdBatches.Step plain = step(PreferenceObjective.of(config), m, batch);
                        NdBatches.Step noisy = step(PreferenceObjective.of(config), m, padded);
                        assertThat(noisy.loss()).isCloseTo(plain.loss(), within(1e-6 * Math.max(1, plain.loss())));
                        assertSamePrefix(noisy.chosenGradient(), plain.chosenGradient());
                        assertSamePrefix(noisy.rejectedGradient(), plain.rejectedGradient());
                    }
                });
    }

    @Test
    void logRatiosOfTenThousandGiveFiniteLossesAndGradients() {
        Gen<ObjectiveConfig> configs = ObjectiveConfigs.pairwise().mix(ObjectiveConfigs.withSft())
                .mix(ObjectiveConfigs.tokenNpo()).mix(ObjectiveConfigs.npo());
        qt().withFixedSeed(SEED).withExamples(100).forAll(configs, pairs(), integers().between(0, 3))
                .checkAssert((config, batch, pattern) -> {
                    ReferenceBatch extreme = map(batch, side -> extreme(side, pattern));
                    try (NDManager m = manager.newSubManager()) {
                        NdBatches.Step s = step(PreferenceObjective.of(config), m, extreme);
                        assertThat(Double.isFinite(s.loss())).as("loss %s", s.loss()).isTrue();
                        assertFinite(s.chosenGradient());
                        assertFinite(s.rejectedGradient());
                        s.output().metrics().forEach((k, v) -> assertThat(Float.isFinite(v)).as(k).isTrue());
                    }
                });
    }

    /** Log-ratios of +1e4 or -1e4 (pattern: all up, all down, alternating, chosen up and rejected down). */
    private static ReferenceSide extreme(ReferenceSide side, int pattern) {
        double[][] policy = new double[side.rows()][side.positions()];
        double[][] reference = new double[side.rows()][side.positions()];
        for (int b = 0; b < side.rows(); b++) {
            for (int j = 0; j < side.positions(); j++) {
                boolean up = pattern == 0 || (pattern == 2 && (b + j) % 2 == 0)
                        || (pattern == 3 && side.weights() == null);
                policy[b][j] = up ? 0 : -1e4;
                reference[b][j] = up ? -1e4 : 0;
            }
        }
        return new ReferenceSide(policy, reference, side.mask(), side.weights(), side.meanLogits());
    }

    private static void assertSamePrefix(double[][] padded, double[][] plain) {
        if (plain == null) {
            return;
        }
        for (int b = 0; b < plain.length; b++) {
            for (int j = 0; j < padded[b].length; j++) {
                if (j < plain[b].length) {
                    assertThat(padded[b][j]).as("[%d, %d]", b, j)
                            .isCloseTo(plain[b][j], within(1e-7 + 1e-6 * Math.abs(plain[b][j])));
                } else {
                    assertThat(padded[b][j]).as("padding [%d, %d]", b, j).isEqualTo(0.0);
                }
            }
        }
    }

    private static void assertFinite(double[][] gradient) {
        if (gradient == null) {
            return;
        }
        for (double[] row : gradient) {
            for (double g : row) {
                assertThat(Double.isFinite(g)).as("gradient %s", g).isTrue();
            }
        }
    }

    private interface TokenCheck {
        void check(int b, int j, boolean weighted);
    }

    private static void forEachToken(ReferenceSide side, TokenCheck check) {
        for (int b = 0; b < side.rows(); b++) {
            for (int j = 0; j < side.positions(); j++) {
                check.check(b, j, side.isResponse(b, j) && side.weight(b, j) > 0);
            }
        }
    }

    private static double weightedSum(ReferenceSide side, int b) {
        double sum = 0;
        for (int j = 0; j < side.positions(); j++) {
            sum += side.isResponse(b, j) ? side.weight(b, j) * side.logRatio(b, j) : 0;
        }
        return sum;
    }

    private static ReferenceBatch map(ReferenceBatch batch, UnaryOperator<ReferenceSide> f) {
        return new ReferenceBatch(batch.chosen() == null ? null : f.apply(batch.chosen()),
                batch.rejected() == null ? null : f.apply(batch.rejected()));
    }

    private static Gen<Double> betas() {
        return doubles().between(0.05, 1.0);
    }

    private static Gen<ReferenceBatch> pairs() {
        return ObjectiveBatches.batches(ObjectiveBatches.Spec.pairs(4, 10));
    }

}
