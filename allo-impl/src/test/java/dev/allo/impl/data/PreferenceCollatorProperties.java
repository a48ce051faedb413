package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.data.PaddingSide;
import dev.allo.data.PreferenceBatch;
import dev.allo.data.PreferenceExample;
import dev.allo.data.SequenceBatch;
import dev.allo.data.TokenizedPair;
import dev.allo.fixtures.data.DataGenerators;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class PreferenceCollatorProperties {

    private static final int PAD = 99;
    private static final PreferenceExample SOURCE = PreferenceExample.of("p", "c", "r");

    private static Gen<TokenizedPair> pairs() {
        Gen<int[]> ids = DataGenerators.tokenSequences(50, 1, 9);
        Gen<Integer> weightSeed = integers().between(0, 1000);
        return ids.zip(ids, ids, weightSeed, (p, c, r, w) -> {
            float[] cw = new float[c.length];
            float[] rw = new float[r.length];
            for (int j = 0; j < rw.length; j++) {
                rw[j] = ((w + 7 * j) % 11) / 10f;
            }
            for (int j = 0; j < cw.length; j++) {
                cw[j] = ((w + 3 * j) % 5) / 4f;
            }
            return new TokenizedPair(w, SOURCE, p, c, r, Optional.empty(), cw, rw);
        });
    }

    @Test
    void rowsHoldPromptAndResponseOnTheRequestedSideWithMasksAndWeights() {
        qt().withFixedSeed(31).withExamples(60)
                .forAll(lists().of(pairs()).ofSizeBetween(1, 5), integers().between(1, 8), integers().between(0, 1))
                .checkAssert((batchPairs, multiple, sideIndex) -> {
                    PaddingSide side = PaddingSide.values()[sideIndex];
                    try (NDManager manager = NDManager.newBaseManager()) {
                        PreferenceBatch batch = new PreferenceCollator(side, multiple, PAD).collate(batchPairs, manager);
                        int longest = batchPairs.stream().mapToInt(TokenizedPair::maxLength).max().orElseThrow();
                        int t = (int) batch.chosen().ids().getShape().get(1);
                        assertThat(t % multiple).isZero();
                        assertThat(t).isGreaterThanOrEqualTo(longest).isLessThan(longest + multiple);
                        check(batch.chosen(), batchPairs, true, side, t);
                        check(batch.rejected(), batchPairs, false, side, t);
                        assertThat(batch.indices()).containsExactly(
                                batchPairs.stream().mapToLong(TokenizedPair::index).toArray());
                        assertThat(batch.chosen().ids().getDevice()).isEqualTo(manager.getDevice());
                    }
                });
    }

    // Plain expected rows, built element by element from the documented layout.
    private static void check(SequenceBatch s, List<TokenizedPair> pairs, boolean chosen, PaddingSide side, int t) {
        int rows = pairs.size();
        assertThat(s.ids().getShape()).isEqualTo(new Shape(rows, t));
        assertThat(s.ids().getDataType()).isEqualTo(DataType.INT64);
        assertThat(s.attentionMask().getDataType()).isEqualTo(DataType.INT64);
        assertThat(s.responseMask().getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(s.weights().getDataType()).isEqualTo(DataType.FLOAT32);
        long[] ids = s.ids().toLongArray();
        long[] attention = s.attentionMask().toLongArray();
        float[] response = s.responseMask().toFloatArray();
        float[] weights = s.weights().toFloatArray();
        for (int b = 0; b < rows; b++) {
            TokenizedPair p = pairs.get(b);
            List<Long> seq = new ArrayList<>();
            List<Float> w = new ArrayList<>();
            for (int id : p.promptIds()) {
                seq.add((long) id);
                w.add(null);
            }
            int[] resp = chosen ? p.chosenIds() : p.rejectedIds();
            float[] rw = chosen ? p.chosenWeights() : p.rejectedWeights();
            for (int j = 0; j < resp.length; j++) {
                seq.add((long) resp[j]);
                w.add(rw[j]);
            }
            int offset = side == PaddingSide.LEFT ? t - seq.size() : 0;
            for (int k = 0; k < t; k++) {
                int at = b * t + k;
                int pos = k - offset;
                boolean real = pos >= 0 && pos < seq.size();
                assertThat(ids[at]).isEqualTo(real ? seq.get(pos) : PAD);
                assertThat(attention[at]).isEqualTo(real ? 1L : 0L);
                boolean isResponse = real && w.get(pos) != null;
                assertThat(response[at]).isEqualTo(isResponse ? 1f : 0f);
                assertThat(weights[at]).isEqualTo(isResponse ? w.get(pos) : 0f);
            }
        }
    }
}
