package dev.allo.impl.model;

import static dev.allo.impl.model.ModelTestSupport.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allo.fixtures.model.ReferenceDecoder;
import dev.allo.fixtures.model.ReferenceTokenLogProbs;
import dev.allo.impl.model.DecoderModelProperties.Case;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link TokenLogProbs} against the reference: values, chunking, and gradients. */
class TokenLogProbsProperties {

    /** A random response mask on the real tokens of a case that follow a real token. */
    private static double[][] responseMask(Case c, Random r) {
        int[][] mask = c.batch().mask();
        double[][] out = new double[mask.length][mask[0].length];
        for (int b = 0; b < mask.length; b++) {
            for (int t = 1; t < mask[b].length; t++) {
                out[b][t] = mask[b][t] == 1 && mask[b][t - 1] == 1 && r.nextInt(4) > 0 ? 1 : 0;
            }
        }
        return out;
    }

    @Test
    void logProbsMatchTheReferenceWithTheNextTokenShiftAndMask() {
        qt().withFixedSeed(201).withExamples(60).forAll(DecoderModelProperties.cases(6)).checkAssert(c -> {
            Map<String, double[]> params = c.parameters();
            int[][] ids = c.batch().ids(c.padId());
            int[][] mask = c.batch().mask();
            double[][] response = responseMask(c, new Random(c.seed()));
            double[][] expected = ReferenceTokenLogProbs.compute(
                    new ReferenceDecoder(c.config(), params).logits(ids, mask), ids, response);
            int chunk = 1 + new Random(c.seed() + 1).nextInt(ids[0].length);
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), params, m)) {
                for (TokenLogProbs calculator : List.of(TokenLogProbs.unchunked(), TokenLogProbs.chunked(chunk))) {
                    NDArray lp = calculator.compute(model, ModelTestSupport.ids(m, ids), ModelTestSupport.mask(m, mask),
                            ModelTestSupport.floats(m, response));
                    float[][] actual = ModelTestSupport.array2(lp);
                    float[] sums = TokenLogProbs.sequenceSums(lp).toFloatArray();
                    for (int b = 0; b < ids.length; b++) {
                        double sum = 0;
                        for (int t = 0; t < ids[b].length; t++) {
                            double e = expected[b][t];
                            sum += e;
                            assertThat((double) actual[b][t]).as("log-prob [%d][%d], chunk %d", b, t, chunk)
                                    .isCloseTo(e, within(TOLERANCE * (1 + Math.abs(e))));
                        }
                        assertThat((double) sums[b]).as("sum of row %d", b)
                                .isCloseTo(sum, within(TOLERANCE * (1 + Math.abs(sum)) * ids[b].length));
                    }
                }
            }
        });
    }

    @Test
    void chunkedValuesAndGradientsEqualTheUnchunkedOnes() {
        qt().withFixedSeed(202).withExamples(40).forAll(DecoderModelProperties.cases(7)
                .assuming(c -> c.batch().length() > 1)).checkAssert(c -> {
            Random r = new Random(c.seed());
            int[][] ids = c.batch().ids(c.padId());
            double[][] response = responseMask(c, r);
            double[][] weights = new double[ids.length][ids[0].length];
            for (double[] row : weights) {
                for (int t = 0; t < row.length; t++) {
                    row[t] = r.nextGaussian();
                }
            }
            int chunk = 1 + r.nextInt(ids[0].length);
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m)) {
                model.setTrainable(true);
                List<float[]> values = new ArrayList<>();
                List<Map<String, float[]>> grads = new ArrayList<>();
                for (TokenLogProbs calculator : List.of(TokenLogProbs.unchunked(), TokenLogProbs.chunked(chunk))) {
                    try (NDManager step = m.newSubManager()) {
                        NDArray lp;
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            lp = calculator.compute(model, ModelTestSupport.ids(step, ids),
                                    ModelTestSupport.mask(step, c.batch().mask()),
                                    ModelTestSupport.floats(step, response));
                            collector.backward(lp.mul(ModelTestSupport.floats(step, weights)).sum());
                        }
                        values.add(lp.toFloatArray());
                        Map<String, float[]> g = new LinkedHashMap<>();
                        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                            NDArray grad = e.getValue().getGradient();
                            g.put(e.getKey(), grad.toFloatArray());
                            grad.subi(grad);
                            grad.close();
                        }
                        grads.add(g);
                    }
                }
                assertThat(values.get(1)).as("chunk %d values", chunk)
                        .containsExactly(values.get(0), within(1e-5f));
                for (String name : grads.get(0).keySet()) {
                    float[] a = grads.get(0).get(name);
                    float[] b = grads.get(1).get(name);
                    for (int i = 0; i < a.length; i++) {
                        assertThat(b[i]).as("gradient %s[%d], chunk %d", name, i, chunk)
                                .isCloseTo(a[i], within(1e-4f * (1 + Math.abs(a[i]))));
                    }
                }
            }
        });
    }

    /**
     * A prompt-then-response mask: each row's real tokens from a random prompt length on (at least one prompt
     * token), or none at all in some rows, so the scored column range of the batch varies.
     */
    private static double[][] promptResponseMask(Case c, Random r) {
        int[][] mask = c.batch().mask();
        double[][] out = new double[mask.length][mask[0].length];
        for (int b = 0; b < mask.length; b++) {
            int prompt = 1 + r.nextInt(mask[b].length);
            boolean scored = r.nextInt(5) > 0;
            for (int t = prompt; t < mask[b].length && scored; t++) {
                out[b][t] = mask[b][t];
            }
        }
        return out;
    }

    /**
     * The head runs only on the batch's scored column range; the result must equal the same formula evaluated on
     * every position with plain DJL ops (full logits, log-softmax, gather, mask), values, mean logits and gradients.
     */
    @Test
    void scoredRangeHeadEqualsTheAllPositionsComputation() {
        qt().withFixedSeed(204).withExamples(40).forAll(DecoderModelProperties.cases(7)
                .assuming(c -> c.batch().length() > 1)).checkAssert(c -> { // T = 1: nothing to score or differentiate
            Random r = new Random(c.seed());
            int[][] ids = c.batch().ids(c.padId());
            int[][] attention = c.batch().mask();
            double[][] response = promptResponseMask(c, r);
            int length = ids[0].length;
            double[][] scored = new double[ids.length][length];
            for (int b = 0; b < ids.length; b++) {
                for (int t = 1; t < length; t++) {
                    scored[b][t] = response[b][t] * attention[b][t] * attention[b][t - 1];
                }
            }
            int chunk = 1 + r.nextInt(length);
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), c.parameters(), m)) {
                model.setTrainable(true);
                List<float[]> values = new ArrayList<>();
                List<float[]> means = new ArrayList<>();
                List<Map<String, float[]>> grads = new ArrayList<>();
                for (int variant = 0; variant < 3; variant++) {
                    try (NDManager step = m.newSubManager()) {
                        NDArray idArray = ModelTestSupport.ids(step, ids);
                        NDArray attentionArray = ModelTestSupport.mask(step, attention);
                        NDArray[] out;
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            if (variant == 0) { // every position, plain ops
                                NDArray logits = model.forward(idArray, attentionArray); // (B, T, V)
                                NDArray shifted = logits.get(":, :-1, :"); // (B, T-1, V) scores columns 1 ..
                                NDArray next = idArray.get(":, 1:").expandDims(-1); // (B, T-1, 1)
                                NDArray first = step.zeros(new Shape(ids.length, 1));
                                NDArray mask = ModelTestSupport.floats(step, scored);
                                NDArray lp = NDArrays.concat(new NDList(first,
                                        shifted.logSoftmax(-1).gather(next, -1).squeeze(-1)), 1).mul(mask);
                                NDArray mean = NDArrays.concat(new NDList(first,
                                        shifted.stopGradient().mean(new int[] {-1})), 1).mul(mask);
                                out = new NDArray[] {lp, mean};
                            } else {
                                TokenLogProbs calculator = variant == 1 ? TokenLogProbs.unchunked()
                                        : TokenLogProbs.chunked(chunk);
                                out = calculator.computeWithMeanLogits(model, idArray, attentionArray,
                                        ModelTestSupport.floats(step, response));
                            }
                            collector.backward(out[0].sum());
                        }
                        values.add(out[0].toFloatArray());
                        means.add(out[1].toFloatArray());
                        Map<String, float[]> g = new LinkedHashMap<>();
                        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                            NDArray grad = e.getValue().getGradient();
                            g.put(e.getKey(), grad.toFloatArray());
                            grad.subi(grad);
                            grad.close();
                        }
                        grads.add(g);
                    }
                }
                for (int variant = 1; variant < 3; variant++) {
                    assertThat(values.get(variant)).as("values, variant %d (chunk %d)", variant, chunk)
                            .containsExactly(values.get(0), within(1e-5f));
                    assertThat(means.get(variant)).as("mean logits, variant %d (chunk %d)", variant, chunk)
                            .containsExactly(means.get(0), within(1e-5f));
                    for (String name : grads.get(0).keySet()) {
                        float[] a = grads.get(0).get(name);
                        float[] b = grads.get(variant).get(name);
                        for (int i = 0; i < a.length; i++) {
                            assertThat(b[i]).as("gradient %s[%d], variant %d (chunk %d)", name, i, variant, chunk)
                                    .isCloseTo(a[i], within(1e-4f * (1 + Math.abs(a[i]))));
                        }
                    }
                }
            }
        });
    }

    @Test
    void gradientsMatchFiniteDifferencesOfTheReference() {
        qt().withFixedSeed(203).withExamples(25).forAll(DecoderModelProperties.cases(5)
                .assuming(c -> c.batch().length() > 1)).checkAssert(c -> {
            Random r = new Random(c.seed());
            Map<String, double[]> params = c.parameters();
            int[][] ids = c.batch().ids(c.padId());
            int[][] mask = c.batch().mask();
            double[][] response = responseMask(c, r);
            Map<String, float[]> grads = new LinkedHashMap<>();
            try (NDManager m = NDManager.newBaseManager();
                    DecoderModel model = ModelTestSupport.model(c.config(), params, m)) {
                model.setTrainable(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray lp = TokenLogProbs.chunked(2).compute(model, ModelTestSupport.ids(m, ids),
                            ModelTestSupport.mask(m, mask), ModelTestSupport.floats(m, response));
                    collector.backward(lp.sum());
                }
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    grads.put(e.getKey(), e.getValue().getGradient().toFloatArray());
                }
            }
            List<String> names = new ArrayList<>(params.keySet());
            for (int probe = 0; probe < 4; probe++) {
                String name = names.get(r.nextInt(names.size()));
                double[] values = params.get(name);
                int i = r.nextInt(values.length);
                double h = 1e-5;
                double original = values[i];
                values[i] = original + h;
                double plus = referenceLoss(c, params, ids, mask, response);
                values[i] = original - h;
                double minus = referenceLoss(c, params, ids, mask, response);
                values[i] = original;
                double expected = (plus - minus) / (2 * h);
                assertThat((double) grads.get(name)[i]).as("d loss / d %s[%d]", name, i)
                        .isCloseTo(expected, within(2e-3 * (1 + Math.abs(expected))));
            }
        });
    }

    private static double referenceLoss(Case c, Map<String, double[]> params, int[][] ids, int[][] mask,
            double[][] response) {
        double[][] lp = ReferenceTokenLogProbs.compute(new ReferenceDecoder(c.config(), params).logits(ids, mask), ids,
                response);
        double sum = 0;
        for (double[] row : lp) {
            for (double v : row) {
                sum += v;
            }
        }
        return sum;
    }
}
