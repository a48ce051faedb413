package dev.allo.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.fixtures.optim.OptimGenerators;
import dev.allo.fixtures.optim.ReferenceTopK;
import dev.allo.impl.NamedTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The search paths of {@link ExactTopK} that only large score sets reach (sampling, widening an unlucky bracket,
 * bisection of a bracket full of ties, chunked passes), forced on tiny tensors by tiny work sizes.
 */
class ExactTopKProperties {

    @Test
    void everySearchPathGivesTheReferenceSelection() {
        List<ExactTopK.Limits> limits = List.of(
                new ExactTopK.Limits(3, 5, 2),
                new ExactTopK.Limits(2, 1, 1),
                new ExactTopK.Limits(7, 64, 4),
                new ExactTopK.Limits(1, 3, 1));
        qt().withFixedSeed(21).withExamples(50).forAll(OptimGenerators.topKCases()).checkAssert(c -> {
            boolean[] all = new boolean[c.shapes().length];
            Arrays.fill(all, true);
            long n = Arrays.stream(c.scores()).mapToLong(s -> s.length).sum();
            for (boolean largest : new boolean[] {true, false}) {
                boolean[][] expected = ReferenceTopK.global(c.scores(), all, c.ratio(), largest);
                for (ExactTopK.Limits limit : limits) {
                    assertThat(select(c.shapes(), c.scores(), ReferenceTopK.count(c.ratio(), n), largest, limit))
                            .as("largest=%s, %s", largest, limit)
                            .isDeepEqualTo(expected);
                }
            }
        });
    }

    static boolean[][] select(long[][] shapes, double[][] scores, long k, boolean largest, ExactTopK.Limits limits) {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> flats = new ArrayList<>();
            for (NDArray a : NamedTensors.create(manager, shapes, scores).values()) {
                flats.add(a.reshape(-1));
            }
            List<int[]> picked = ExactTopK.select(NamedTensors.names(shapes.length), flats, k, largest, limits);
            boolean[][] out = new boolean[scores.length][];
            for (int t = 0; t < scores.length; t++) {
                out[t] = new boolean[scores[t].length];
                if (picked.get(t) == null) {
                    Arrays.fill(out[t], true);
                } else {
                    for (int i : picked.get(t)) {
                        out[t][i] = true;
                    }
                }
            }
            return out;
        }
    }
}
