package dev.allo.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.fixtures.data.DataGenerators;
import dev.allo.fixtures.data.ReferenceAlignment;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EditDistanceTokenScorerProperties {

    private static final PreferenceExample SOURCE = PreferenceExample.of("p", "c", "r");

    @Test
    void marksEqualThePlainReferenceAlignment() {
        qt().withFixedSeed(51).withExamples(500)
                .forAll(DataGenerators.tokenSequences(4, 0, 14), DataGenerators.tokenSequences(4, 0, 14))
                .checkAssert((a, b) -> {
                    float[] got = EditDistanceTokenScorer.marks(a, b);
                    double[] want = ReferenceAlignment.marks(a, b);
                    assertThat(got).hasSize(want.length);
                    for (int j = 0; j < want.length; j++) {
                        assertThat((double) got[j]).as("token %d", j).isEqualTo(want[j]);
                    }
                });
    }

    @Test
    void theReferenceAlignmentIsOptimalAndCoversBothSequences() {
        qt().withFixedSeed(52).withExamples(300)
                .forAll(DataGenerators.tokenSequences(3, 0, 12), DataGenerators.tokenSequences(3, 0, 12))
                .checkAssert((a, b) -> {
                    List<ReferenceAlignment.Op> ops = ReferenceAlignment.align(a, b);
                    assertThat(ReferenceAlignment.cost(ops)).isEqualTo(ReferenceAlignment.distance(a, b));
                    assertThat(ops.stream().filter(o -> o.i() >= 0).count()).isEqualTo(a.length);
                    assertThat(ops.stream().filter(o -> o.j() >= 0).count()).isEqualTo(b.length);
                    // Marked tokens are at least the distance minus the deletions, which mark nothing.
                    long deletions = ops.stream().filter(o -> o.kind() == ReferenceAlignment.Kind.DELETE).count();
                    float[] r = EditDistanceTokenScorer.marks(a, b);
                    double marked = 0;
                    for (float x : r) {
                        marked += x;
                    }
                    assertThat(marked).isEqualTo((double) (ReferenceAlignment.distance(a, b) - deletions));
                });
    }

    @Test
    void workedExamplesIncludingTheDocumentedTieBreak() {
        assertThat(EditDistanceTokenScorer.marks(new int[] {1, 2, 1}, new int[] {1})).containsExactly(1f, 1f, 0f);
        assertThat(EditDistanceTokenScorer.marks(new int[] {5, 6, 7}, new int[] {5, 9, 7})).containsExactly(0f, 1f, 0f);
        assertThat(EditDistanceTokenScorer.marks(new int[] {5, 7}, new int[] {5, 6, 7})).containsExactly(0f, 0f);
        assertThat(EditDistanceTokenScorer.marks(new int[] {5, 6}, new int[0])).containsExactly(1f, 1f);
    }

    @Test
    void alignsToTheReferenceWhenPresentElseToTheChosenResponse() {
        int[] prompt = {1};
        int[] chosen = {10, 11, 12};
        int[] rejected = {10, 20, 12};
        TokenizedPair noRef = TokenizedPair.unweighted(0, SOURCE, prompt, chosen, rejected, Optional.empty());
        TokenizedPair withRef = TokenizedPair.unweighted(0, SOURCE, prompt, chosen, rejected,
                Optional.of(new int[] {10, 20, 12}));
        assertThat(TokenScorer.editDistance().score(noRef).rejected()).containsExactly(0f, 1f, 0f);
        assertThat(TokenScorer.editDistance().score(withRef).rejected()).containsExactly(0f, 0f, 0f);
        assertThat(TokenScorer.editDistance().score(noRef).chosen()).isEmpty();
        assertThat(TokenScorer.uniform().score(noRef).rejected()).containsExactly(1f, 1f, 1f);
    }
}
