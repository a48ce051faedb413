package dev.allo.impl.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.allo.fixtures.objective.ReferenceBatch;
import dev.allo.fixtures.objective.ReferenceResult;
import dev.allo.fixtures.objective.ReferenceSide;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import dev.allo.objective.ResponseLogProbs;
import java.util.Map;

/** Test helpers: reference batches as NDArrays, one differentiated step, and float-vs-double comparisons. */
final class NdBatches {

    private NdBatches() {}

    /** A batch on the device with its policy arrays marked for gradients. */
    record Nd(PreferenceBatchLogProbs batch, NDArray chosenPolicy, NDArray rejectedPolicy) {}

    /** The objective's output with the gradients of its loss, read back as doubles. */
    record Step(ObjectiveOutput output, double loss, double[][] chosenGradient, double[][] rejectedGradient) {}

    static Nd toNd(NDManager manager, ReferenceBatch batch) {
        ResponseLogProbs chosen = side(manager, batch.chosen());
        ResponseLogProbs rejected = side(manager, batch.rejected());
        return new Nd(new PreferenceBatchLogProbs(chosen, rejected), chosen == null ? null : chosen.policy(),
                rejected == null ? null : rejected.policy());
    }

    static ResponseLogProbs side(NDManager manager, ReferenceSide side) {
        if (side == null) {
            return null;
        }
        NDArray policy = array(manager, side.policy());
        policy.setRequiresGradient(true);
        return new ResponseLogProbs(policy, array(manager, side.reference()), array(manager, side.mask()),
                array(manager, side.weights()), array(manager, side.meanLogits()));
    }

    static NDArray array(NDManager manager, double[][] values) {
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
        return manager.create(f);
    }

    /** Computes the objective and back-propagates its loss. */
    static Step step(PreferenceObjective objective, NDManager manager, ReferenceBatch batch) {
        Nd nd = toNd(manager, batch);
        ObjectiveOutput out;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            out = objective.compute(nd.batch());
            collector.backward(out.loss());
        }
        return new Step(out, out.loss().getFloat(), gradient(nd.chosenPolicy()), gradient(nd.rejectedPolicy()));
    }

    static double[][] gradient(NDArray policy) {
        if (policy == null) {
            return null;
        }
        int rows = (int) policy.getShape().get(0);
        int cols = (int) policy.getShape().get(1);
        float[] flat = policy.getGradient().toFloatArray();
        double[][] out = new double[rows][cols];
        for (int i = 0; i < flat.length; i++) {
            out[i / cols][i % cols] = flat[i];
        }
        return out;
    }

    /** Float32 result vs double reference: {@code |a - e| <= 1e-5 + 2e-5 |e|}. */
    static void assertClose(String what, double actual, double expected) {
        assertThat(actual).as(what).isCloseTo(expected, within(1e-5 + 2e-5 * Math.abs(expected)));
    }

    static void assertClose(String what, double[][] actual, double[][] expected) {
        if (expected == null) {
            assertThat(actual).as(what).isNull();
            return;
        }
        for (int b = 0; b < expected.length; b++) {
            for (int j = 0; j < expected[b].length; j++) {
                assertClose(what + "[" + b + ", " + j + "]", actual[b][j], expected[b][j]);
            }
        }
    }

    /** Loss, every metric (same names), every term and both gradients equal the reference. */
    static void assertMatches(Step step, ReferenceResult expected) {
        assertClose("loss", step.loss(), expected.loss());
        Map<String, Float> metrics = step.output().metrics();
        assertThat(metrics.keySet()).as("metric names").containsExactlyElementsOf(expected.metrics().keySet());
        expected.metrics().forEach((name, value) -> assertClose("metric " + name, metrics.get(name), value));
        assertThat(step.output().terms()).hasSameSizeAs(expected.terms());
        for (int i = 0; i < expected.terms().size(); i++) {
            var term = step.output().terms().get(i);
            var ref = expected.terms().get(i);
            assertThat(term.name()).isEqualTo(ref.name());
            assertThat(term.normalization()).isEqualTo(ref.normalization());
            assertThat(term.weight()).isEqualTo(ref.weight());
            assertClose("term " + ref.name() + " count", term.count(), ref.count());
            assertClose("term " + ref.name() + " sum", term.sum().getFloat(), ref.sum());
        }
        assertClose("chosen gradient", step.chosenGradient(), expected.chosenGradient());
        assertClose("rejected gradient", step.rejectedGradient(), expected.rejectedGradient());
    }
}
