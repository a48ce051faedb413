package dev.allo.impl.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import ai.djl.ndarray.NDArray;
import dev.allo.fixtures.optim.OptimGenerators;
import dev.allo.fixtures.optim.OptimGenerators.OptimizerCase;
import dev.allo.fixtures.optim.ReferenceAdamW;
import dev.allo.fixtures.optim.ReferenceSchedules;
import dev.allo.fixtures.optim.ReferenceSgd;
import dev.allo.impl.NamedTensors;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.GradientClipping;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.optim.MaskedOptimizer;
import dev.allo.optim.SgdConfig;
import dev.allo.optim.StepResult;
import java.util.Arrays;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The masked optimisers against the double-precision references of src-test-fixtures. */
class MaskedOptimizerProperties {
    /** float32 agreement with the double reference after up to 12 steps: absolute plus relative. */
    private static final double ABS_TOL = 2e-6;
    private static final double REL_TOL = 2e-5;

    @Test
    void sparseAdamWEqualsTheReferenceAdamWOnTheSelectedScalars() {
        qt().withFixedSeed(31).withExamples(60).forAll(OptimGenerators.optimizerCases())
                .checkAssert(c -> checkAdamW(c, mask(c), SparseAdamW::new));
    }

    @Test
    void denseMaskedAdamWEqualsTheReferenceAdamWOnTheSelectedScalars() {
        qt().withFixedSeed(32).withExamples(60).forAll(OptimGenerators.optimizerCases())
                .checkAssert(c -> checkAdamW(c, mask(c), DenseMaskedAdamW::new));
    }

    @Test
    void anAllOnesMaskIsPlainAdamW() {
        qt().withFixedSeed(33).withExamples(30).forAll(OptimGenerators.optimizerCases()).checkAssert(c -> {
            NeuronMask all = NeuronMask.all(NamedTensors.shapes(c.shapes()));
            checkAdamW(c, all, SparseAdamW::new);
            checkAdamW(c, all, DenseMaskedAdamW::new);
        });
    }

    @Test
    void maskedSgdEqualsTheReferenceSgdOnTheSelectedScalars() {
        qt().withFixedSeed(34).withExamples(60).forAll(OptimGenerators.optimizerCases())
                .checkAssert(c -> checkSgd(c, MaskedSgd::new));
    }

    @Test
    void manyPartlySelectedTensorsMatchTheReferences() {
        // 2 to 12 tensors, some empty, some full: one group of many members, split per member on every step.
        qt().withFixedSeed(38).withExamples(40).forAll(OptimGenerators.manyTensorOptimizerCases()).checkAssert(c -> {
            checkAdamW(c, mask(c), SparseAdamW::new);
            checkAdamW(c, mask(c), DenseMaskedAdamW::new);
            checkSgd(c, MaskedSgd::new);
        });
    }

    @Test
    void unselectedScalarsStayBitIdenticalEvenAfterUnmaskedSteps() {
        qt().withFixedSeed(35).withExamples(40).forAll(OptimGenerators.optimizerCases()).checkAssert(c -> {
            AdamWConfig adamW = adamW(c).toBuilder().weightDecay(0.1).build();
            SgdConfig sgd = SgdConfig.builder().learningRate(c.lr()).momentum(0.9).weightDecay(0.1)
                    .clipping(new GradientClipping(c.maxNorm())).build();
            NeuronMask mask = mask(c);
            for (int variant = 0; variant < 3; variant++) {
                try (OptimizerHarness h = new OptimizerHarness(c.shapes(), c.params())) {
                    // Unmasked steps first: every weight moves and momentum builds up.
                    try (SparseAdamW full = new SparseAdamW(adamW, NeuronMask.all(NeuronMask.shapesOf(h.params)),
                            h.params)) {
                        h.step(full, c.grads()[0]);
                        h.step(full, c.grads()[c.grads().length - 1]);
                    }
                    int[][] before = h.bits();
                    try (MaskedOptimizer masked = variant == 0 ? new SparseAdamW(adamW, mask, h.params)
                            : variant == 1 ? new DenseMaskedAdamW(adamW, mask, h.params)
                            : new MaskedSgd(sgd, mask, h.params)) {
                        for (double[][] g : c.grads()) {
                            h.step(masked, g);
                        }
                    }
                    int[][] after = h.bits();
                    for (int t = 0; t < before.length; t++) {
                        for (int i = 0; i < before[t].length; i++) {
                            if (!c.selected()[t][i]) {
                                assertThat(after[t][i]).as("variant %d, tensor %d, scalar %d", variant, t, i)
                                        .isEqualTo(before[t][i]);
                            }
                        }
                    }
                }
            }
        });
    }

    @Test
    void anEmptyMaskLeavesEveryParameterBitIdentical() {
        qt().withFixedSeed(36).withExamples(20).forAll(OptimGenerators.optimizerCases()).checkAssert(c -> {
            try (OptimizerHarness h = new OptimizerHarness(c.shapes(), c.params())) {
                NeuronMask empty = NeuronMask.empty(NeuronMask.shapesOf(h.params));
                int[][] before = h.bits();
                try (SparseAdamW sparse = new SparseAdamW(adamW(c), empty, h.params);
                        DenseMaskedAdamW dense = new DenseMaskedAdamW(adamW(c), empty, h.params)) {
                    for (double[][] g : c.grads()) {
                        h.step(sparse, g);
                        h.step(dense, g);
                    }
                    assertThat(sparse.stateBytes()).isZero();
                }
                assertThat(h.bits()).isDeepEqualTo(before);
            }
        });
    }

    @Test
    void stepReportsTheReferenceNormClipAndLearningRate() {
        qt().withFixedSeed(37).withExamples(40).forAll(OptimGenerators.optimizerCases()).checkAssert(c -> {
            ReferenceAdamW reference = referenceAdamW(c);
            double[][] expected = deepCopy(c.params());
            LongToDoubleFunction multiplier = referenceSchedule(c);
            try (OptimizerHarness h = new OptimizerHarness(c.shapes(), c.params());
                    SparseAdamW opt = new SparseAdamW(adamW(c), mask(c), h.params)) {
                for (int s = 0; s < c.grads().length; s++) {
                    assertThat(opt.learningRate()).isCloseTo(c.lr() * multiplier.applyAsDouble(s), within(1e-15));
                    h.setGradients(c.grads()[s]);
                    StepResult r = opt.step(h.params);
                    reference.step(expected, c.grads()[s], c.selected());
                    assertThat(r.step()).isEqualTo(s + 1);
                    assertThat(r.learningRate()).isCloseTo(c.lr() * multiplier.applyAsDouble(s), within(1e-15));
                    assertThat(r.gradientNorm())
                            .isCloseTo(reference.lastNorm(), within(1e-5 * (1 + reference.lastNorm())));
                    double coef = Double.isInfinite(c.maxNorm()) ? 1.0
                            : Math.min(1.0, c.maxNorm() / (reference.lastNorm() + 1e-6));
                    assertThat(r.clipCoefficient()).isCloseTo(coef, within(1e-5));
                }
            }
        });
    }

    private static Offset<Double> within(double tol) {
        return Offset.offset(tol);
    }

    private static void checkAdamW(OptimizerCase c, NeuronMask mask, Factory factory) {
        boolean[][] selected = NamedTensors.selected(mask);
        ReferenceAdamW reference = referenceAdamW(c);
        double[][] expected = deepCopy(c.params());
        try (OptimizerHarness h = new OptimizerHarness(c.shapes(), c.params());
                MaskedOptimizer opt = factory.create(adamW(c), mask, h.params)) {
            for (double[][] g : c.grads()) {
                h.step(opt, g);
                reference.step(expected, g, selected);
            }
            assertClose(h.values(), expected);
        }
    }

    private static void checkSgd(OptimizerCase c, SgdFactory factory) {
        boolean nesterov = c.beta1() > 0 && c.beta2() == 0 && c.params()[0].length % 2 == 0;
        SgdConfig config = SgdConfig.builder().learningRate(c.lr()).momentum(c.beta1()).dampening(c.beta2())
                .weightDecay(c.weightDecay()).nesterov(nesterov).schedule(schedule(c))
                .clipping(new GradientClipping(c.maxNorm())).build();
        ReferenceSgd reference = new ReferenceSgd(c.lr(), c.beta1(), c.beta2(), c.weightDecay(), nesterov,
                referenceSchedule(c), c.maxNorm());
        double[][] expected = deepCopy(c.params());
        try (OptimizerHarness h = new OptimizerHarness(c.shapes(), c.params());
                MaskedOptimizer sgd = factory.create(config, mask(c), h.params)) {
            for (double[][] g : c.grads()) {
                h.step(sgd, g);
                reference.step(expected, g, c.selected());
            }
            assertClose(h.values(), expected);
        }
    }

    /** An optimiser constructor. */
    interface Factory {
        MaskedOptimizer create(AdamWConfig config, NeuronMask mask, Map<String, NDArray> parameters);
    }

    /** A masked SGD constructor. */
    interface SgdFactory {
        MaskedOptimizer create(SgdConfig config, NeuronMask mask, Map<String, NDArray> parameters);
    }

    static AdamWConfig adamW(OptimizerCase c) {
        return AdamWConfig.builder().learningRate(c.lr()).betas(c.beta1(), c.beta2()).epsilon(1e-8)
                .weightDecay(c.weightDecay()).schedule(schedule(c)).clipping(new GradientClipping(c.maxNorm()))
                .build();
    }

    static ReferenceAdamW referenceAdamW(OptimizerCase c) {
        return new ReferenceAdamW(c.lr(), c.beta1(), c.beta2(), 1e-8, c.weightDecay(), referenceSchedule(c),
                c.maxNorm());
    }

    /** The schedule varies with the case: cosine, linear or constant with warm-up over the case's steps. */
    static LearningRateSchedule schedule(OptimizerCase c) {
        long total = c.grads().length;
        long warmup = c.params().length == 1 ? 0 : 1;
        switch (c.shapes().length % 3) {
            case 0:
                return LearningRateSchedule.cosine(warmup, total);
            case 1:
                return LearningRateSchedule.linear(warmup, total);
            default:
                return LearningRateSchedule.constantWithWarmup(warmup);
        }
    }

    static LongToDoubleFunction referenceSchedule(OptimizerCase c) {
        long total = c.grads().length;
        long warmup = c.params().length == 1 ? 0 : 1;
        switch (c.shapes().length % 3) {
            case 0:
                return s -> ReferenceSchedules.cosine(s, warmup, total);
            case 1:
                return s -> ReferenceSchedules.linear(s, warmup, total);
            default:
                return s -> ReferenceSchedules.constantWithWarmup(s, warmup);
        }
    }

    static NeuronMask mask(OptimizerCase c) {
        return NamedTensors.mask(c.shapes(), c.selected());
    }

    static double[][] deepCopy(double[][] a) {
        return Arrays.stream(a).map(double[]::clone).toArray(double[][]::new);
    }

    static void assertClose(double[][] actual, double[][] expected) {
        for (int t = 0; t < expected.length; t++) {
            for (int i = 0; i < expected[t].length; i++) {
                double tol = ABS_TOL + REL_TOL * Math.abs(expected[t][i]);
                assertThat(actual[t][i]).as("tensor %d, scalar %d", t, i)
                        .isCloseTo(expected[t][i], within(tol));
            }
        }
    }
}
