package dev.allo.impl.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear error naming the side, tensor, row and column; never a silent NaN. */
class ObjectiveValidationTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private NDArray a(float[][] values) {
        return m.create(values);
    }

    private ResponseLogProbs side(float[][] policy, float[][] mask) {
        return ResponseLogProbs.of(a(policy), a(new float[policy.length][policy[0].length]), a(mask));
    }

    private ResponseLogProbs good() {
        return side(new float[][] {{-1, -2, -3}, {-1, -1, -1}}, new float[][] {{0, 1, 1}, {1, 1, 0}});
    }

    private static PreferenceObjective dpo() {
        return PreferenceObjective.of(ObjectiveConfig.Dpo.defaults());
    }

    @Test
    void mismatchedShapesNameTheTensorAndBothShapes() {
        ResponseLogProbs bad = new ResponseLogProbs(a(new float[2][3]), a(new float[2][3]), a(new float[2][4]),
                null, null);
        assertThatThrownBy(() -> PreferenceBatchLogProbs.of(bad, good()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chosen.mask must have the shape of chosen.policy (2, 3), got (2, 4)");
        ResponseLogProbs threeRows = side(new float[3][2], new float[][] {{1, 1}, {1, 1}, {1, 1}});
        assertThatThrownBy(() -> PreferenceBatchLogProbs.of(good(), threeRows))
                .hasMessage("chosen and rejected must have the same number of rows (pairs), got 2 chosen and 3"
                        + " rejected");
        ResponseLogProbs flat = ResponseLogProbs.of(m.create(new float[] {1, 2}), m.create(new float[] {1, 2}),
                m.create(new float[] {1, 1}));
        assertThatThrownBy(() -> PreferenceBatchLogProbs.rejectedOnly(flat))
                .hasMessage("rejected.policy must be 2-D (B, T), got shape (2)");
        assertThatThrownBy(() -> new PreferenceBatchLogProbs(null, null))
                .hasMessageContaining("needs a chosen or a rejected side");
    }

    @Test
    void aRowWithoutResponseTokensIsAnErrorNamingTheRow() {
        ResponseLogProbs empty = side(new float[][] {{-1, -2}, {-1, -1}}, new float[][] {{0, 1}, {0, 0}});
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(good().withWeights(null), empty)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("rejected.mask row 1 has no response token");
    }

    @Test
    void weightsOutsideTheUnitIntervalAreRejectedAtResponsePositions() {
        ResponseLogProbs heavy = good().withWeights(a(new float[][] {{1, 1, 1.5f}, {1, 1, 1}}));
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(heavy, good())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chosen.weights[0, 2] must be in [0, 1] at a response position, got 1.5");
        ResponseLogProbs negative = good().withWeights(a(new float[][] {{1, 1, 1}, {-0.5f, 1, 1}}));
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(good(), negative)))
                .hasMessage("rejected.weights[1, 0] must be in [0, 1] at a response position, got -0.5");
        ResponseLogProbs nan = good().withWeights(a(new float[][] {{1, Float.NaN, 1}, {1, 1, 1}}));
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(good(), nan)))
                .hasMessage("rejected.weights[0, 1] must be in [0, 1] at a response position, got NaN");
        // Outside the response a weight is never read.
        ResponseLogProbs padded = good().withWeights(a(new float[][] {{7, 1, 1}, {1, 1, Float.NaN}}));
        assertThat(dpo().compute(PreferenceBatchLogProbs.of(good(), padded)).metrics().get("loss")).isFinite();
    }

    @Test
    void nonFiniteLogProbsAtResponsePositionsNameTheTensorAndPosition() {
        ResponseLogProbs nanPolicy = side(new float[][] {{-1, -2, -3}, {Float.NaN, -1, -1}},
                new float[][] {{0, 1, 1}, {1, 1, 0}});
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(good(), nanPolicy)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rejected.policy[1, 0] must be finite at a response position, got NaN");
        ResponseLogProbs infReference = new ResponseLogProbs(a(new float[][] {{-1, -2, -3}, {-1, -1, -1}}),
                a(new float[][] {{0, 0, Float.POSITIVE_INFINITY}, {0, 0, 0}}), a(new float[][] {{0, 1, 1}, {1, 1, 0}}),
                null, null);
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(infReference, good())))
                .hasMessage("chosen.reference[0, 2] must be finite at a response position, got Infinity");
        ResponseLogProbs badLogits = good().withMeanLogits(a(new float[][] {{0, Float.NEGATIVE_INFINITY, 0}, {0, 0, 0}}));
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(badLogits, good())))
                .hasMessage("chosen.meanLogits[0, 1] must be finite at a response position, got -Infinity");
        // A NaN at a padding or prompt position is never read.
        ResponseLogProbs nanPadding = side(new float[][] {{Float.NaN, -2, -3}, {-1, -1, Float.NaN}},
                new float[][] {{0, 1, 1}, {1, 1, 0}});
        assertThat(dpo().compute(PreferenceBatchLogProbs.of(good(), nanPadding)).metrics().get("loss")).isFinite();
    }

    @Test
    void masksMustBeZeroOrOneButMayBeBooleanOrInteger() {
        ResponseLogProbs half = side(new float[][] {{-1, -2, -3}, {-1, -1, -1}}, new float[][] {{0, 0.5f, 1}, {1, 1, 0}});
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(half, good())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chosen.mask[0, 1] must be 0 or 1, got 0.5");
        float floatLoss = dpo().compute(PreferenceBatchLogProbs.of(good(), good())).metrics().get("loss");
        for (DataType type : new DataType[] {DataType.BOOLEAN, DataType.INT64, DataType.INT32}) {
            ResponseLogProbs typed = new ResponseLogProbs(good().policy(), good().reference(),
                    good().mask().toType(type, false), null, null);
            assertThat(dpo().compute(PreferenceBatchLogProbs.of(typed, typed)).metrics().get("loss"))
                    .as("mask type %s", type).isEqualTo(floatLoss);
        }
        ResponseLogProbs intPolicy = new ResponseLogProbs(good().policy().toType(DataType.INT32, false),
                good().reference(), good().mask(), null, null);
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(intPolicy, good())))
                .hasMessage("chosen.policy must be a floating-point array, got int32");
    }

    @Test
    void missingSidesAndReferencesAreNamed() {
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.rejectedOnly(good())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dpo needs the chosen responses, but the batch has no chosen side");
        ResponseLogProbs noReference = ResponseLogProbs.referenceFree(good().policy(), good().mask());
        assertThatThrownBy(() -> dpo().compute(PreferenceBatchLogProbs.of(good(), noReference)))
                .hasMessage("dpo needs reference log-probs for the rejected responses, but rejected.reference is null");
        PreferenceObjective npo = PreferenceObjective.of(ObjectiveConfig.TokenNpo.defaults());
        assertThatThrownBy(() -> npo.compute(PreferenceBatchLogProbs.chosenOnly(good())))
                .hasMessage("token_npo needs the rejected responses, but the batch has no rejected side");
        // Reference-free objectives and rejected-only objectives accept what they need and nothing more.
        PreferenceObjective simpo = PreferenceObjective.of(ObjectiveConfig.SimPo.defaults());
        assertThat(simpo.compute(PreferenceBatchLogProbs.of(noReference, noReference)).metrics()).containsKey("loss");
        assertThat(npo.compute(PreferenceBatchLogProbs.rejectedOnly(good())).metrics())
                .doesNotContainKeys("rewards/chosen", "logps/chosen");
    }

    @Test
    void configsRejectBadHyperParameters() {
        assertThatThrownBy(() -> new ObjectiveConfig.Dpo(0)).hasMessage("beta must be finite and > 0, got 0.0");
        assertThatThrownBy(() -> new ObjectiveConfig.Dpo(Double.NaN)).hasMessage("beta must be finite and > 0, got NaN");
        assertThatThrownBy(() -> new ObjectiveConfig.TokenDpo(0.1, 1.5))
                .hasMessage("noisyTokenRatio must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> new ObjectiveConfig.ConservativeDpo(0.1, 0.6))
                .hasMessage("labelSmoothing must be in [0, 0.5], got 0.6");
        assertThatThrownBy(() -> new ObjectiveConfig.RDpo(0.1, -1)).hasMessage("alpha must be finite and >= 0, got -1.0");
        assertThatThrownBy(() -> new ObjectiveConfig.SimPo(2, -1)).hasMessage("gamma must be finite and >= 0, got -1.0");
        assertThatThrownBy(() -> new ObjectiveConfig.WithSft(new ObjectiveConfig.Sft(), 1))
                .hasMessage("base must not already be SFT or carry an SFT term, got sft");
    }

    @Test
    void stateRestoreChecksItsKeys() {
        assertThatThrownBy(() -> dpo().restoreState(Map.of("x", new double[] {1})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dpo is stateless, but the state to restore has keys [x]");
        PreferenceObjective bco = PreferenceObjective.of(ObjectiveConfig.BcoPair.defaults());
        assertThatThrownBy(() -> bco.restoreState(Map.of("running_mean", new double[] {1})))
                .hasMessageStartingWith("BCO state must have exactly the keys [running_mean, running_count]");
        assertThatThrownBy(() -> bco.restoreState(Map.of("running_mean", new double[] {1, 2}, "running_count",
                new double[] {1}))).hasMessage("running_mean must hold exactly one value, got 2 values");
        assertThatThrownBy(() -> bco.restoreState(Map.of("running_mean", new double[] {1}, "running_count",
                new double[] {0.5}))).hasMessage("running_count must be a whole number >= 0, got 0.5");
    }

    @Test
    void accumulationTotalsMustCoverEveryTerm() {
        ObjectiveOutput out = PreferenceObjective.of(ObjectiveConfig.WithSft.of(ObjectiveConfig.Dpo.defaults()))
                .compute(PreferenceBatchLogProbs.of(good(), good()));
        assertThatThrownBy(() -> out.accumulationLoss(Map.of(Normalization.PAIRS, 4.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("totals has no count for CHOSEN_TOKENS, needed by loss term 'sft'");
        assertThatThrownBy(() -> out.accumulationLoss(Map.of(Normalization.PAIRS, 1.0, Normalization.CHOSEN_TOKENS,
                10.0))).hasMessage("total PAIRS count must be finite and at least this micro-batch's count 2.0, got 1.0");
        assertThatThrownBy(() -> Normalization.CHOSEN_TOKENS.count(null, good().mask(), null))
                .hasMessage("CHOSEN_TOKENS needs the chosen mask, got null");
    }

    @Test
    void tokenNpoWithNoWeightedTokenHasZeroLossAndGradient() {
        ResponseLogProbs unweighted = good().withWeights(a(new float[][] {{0, 0, 0}, {0, 0, 0}}));
        NDArray policy = unweighted.policy();
        policy.setRequiresGradient(true);
        ObjectiveOutput out;
        try (var collector = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            out = PreferenceObjective.of(ObjectiveConfig.TokenNpo.defaults())
                    .compute(PreferenceBatchLogProbs.rejectedOnly(unweighted));
            collector.backward(out.loss());
        }
        assertThat(out.metrics()).containsEntry("loss", 0f).containsEntry("tokens/rejected_weighted_fraction", 0f);
        assertThat(out.terms().get(0).count()).isZero();
        assertThat(policy.getGradient().toFloatArray()).containsOnly(0f);
    }
}
