package dev.allo.impl.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.optim.OptimGenerators;
import dev.allo.fixtures.optim.OptimGenerators.TopKCase;
import dev.allo.fixtures.optim.ReferenceTopK;
import dev.allo.impl.NamedTensors;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import dev.allo.mask.TensorFilter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskSelectorProperties {

    @Test
    void globalTopKEqualsTheReferenceSortWithTheTieRule() {
        qt().withFixedSeed(11).withExamples(150).forAll(OptimGenerators.topKCases()).checkAssert(c -> {
            NeuronMask mask = select(c, MaskSelector.globalTopK(c.ratio(), filter(c)));
            assertThat(NamedTensors.selected(mask))
                    .isDeepEqualTo(ReferenceTopK.global(c.scores(), c.included(), c.ratio(), true));
            assertThat(mask.selectedCount()).isEqualTo(ReferenceTopK.count(c.ratio(), includedSize(c)));
        });
    }

    @Test
    void globalTopKSelectsScoresAtLeastAsLargeAsEveryUnselectedOne() {
        qt().withFixedSeed(12).withExamples(100).forAll(OptimGenerators.topKCases()).checkAssert(c -> {
            boolean[][] sel = NamedTensors.selected(select(c, MaskSelector.globalTopK(c.ratio(), filter(c))));
            double minSelected = Double.POSITIVE_INFINITY;
            double maxUnselected = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < sel.length; t++) {
                for (int i = 0; i < sel[t].length; i++) {
                    if (sel[t][i]) {
                        assertThat(c.included()[t]).as("selected from an excluded tensor").isTrue();
                        minSelected = Math.min(minSelected, c.scores()[t][i]);
                    } else if (c.included()[t]) {
                        maxUnselected = Math.max(maxUnselected, c.scores()[t][i]);
                    }
                }
            }
            assertThat(minSelected).isGreaterThanOrEqualTo(maxUnselected);
        });
    }

    @Test
    void perTensorTopKEqualsTheReferenceForEachTensor() {
        qt().withFixedSeed(13).withExamples(150).forAll(OptimGenerators.topKCases()).checkAssert(c -> {
            NeuronMask mask = select(c, MaskSelector.perTensorTopK(c.ratio(), filter(c)));
            assertThat(NamedTensors.selected(mask))
                    .isDeepEqualTo(ReferenceTopK.perTensor(c.scores(), c.included(), c.ratio(), true));
            for (int t = 0; t < c.shapes().length; t++) {
                long expected = c.included()[t] ? ReferenceTopK.count(c.ratio(), c.scores()[t].length) : 0;
                assertThat(mask.selectedCount(NamedTensors.name(t))).isEqualTo(expected);
            }
        });
    }

    @Test
    void lastKEqualsTheReferenceSortOfTheSmallestScores() {
        qt().withFixedSeed(14).withExamples(150).forAll(OptimGenerators.topKCases()).checkAssert(c -> {
            NeuronMask mask = select(c, MaskSelector.lastK(c.ratio(), filter(c)));
            assertThat(NamedTensors.selected(mask))
                    .isDeepEqualTo(ReferenceTopK.global(c.scores(), c.included(), c.ratio(), false));
        });
    }

    @Test
    void randomSelectsExactlyCeilKnIncludedScalarsReproducibly() {
        qt().withFixedSeed(15).withExamples(100).forAll(OptimGenerators.topKCases()).checkAssert(c -> {
            NeuronMask a = select(c, MaskSelector.random(c.ratio(), 42, filter(c)));
            NeuronMask b = select(c, MaskSelector.random(c.ratio(), 42, filter(c)));
            assertThat(a).isEqualTo(b);
            assertThat(a.selectedCount()).isEqualTo(ReferenceTopK.count(c.ratio(), includedSize(c)));
            for (int t = 0; t < c.shapes().length; t++) {
                if (!c.included()[t]) {
                    assertThat(a.selectedCount(NamedTensors.name(t))).isZero();
                }
            }
        });
    }

    static NeuronMask select(TopKCase c, MaskSelector selector) {
        try (NDManager manager = NDManager.newBaseManager();
                ImportanceScores scores = ImportanceScores.of(NamedTensors.create(manager, c.shapes(), c.scores()))) {
            return selector.select(scores);
        }
    }

    static TensorFilter filter(TopKCase c) {
        List<String> names = new ArrayList<>();
        for (int t = 0; t < c.included().length; t++) {
            if (c.included()[t]) {
                names.add(NamedTensors.name(t));
            }
        }
        return TensorFilter.all().including(names.toArray(new String[0]));
    }

    static long includedSize(TopKCase c) {
        long n = 0;
        for (int t = 0; t < c.included().length; t++) {
            n += c.included()[t] ? c.scores()[t].length : 0;
        }
        return n;
    }
}
