package dev.allo.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.allo.data.PreferenceExample;
import dev.allo.data.PromptTemplate;
import dev.allo.data.TokenizedPair;
import dev.allo.tokenizer.ByteTokenizer;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RewriteScorerConfigTest {

    @Test
    void defaultsAreThePapers() {
        RewriteScorerConfig c = RewriteScorerConfig.defaults();
        assertThat(c.threshold()).isEqualTo(0.95);
        assertThat(c.template()).isEqualTo(PromptTemplate.solutionRewriting());
    }

    @Test
    void rewardsFollowEquationFive() {
        qt().withFixedSeed(61).withExamples(200)
                .forAll(lists().of(doubles().between(0, 1)).ofSizeBetween(0, 20), doubles().between(0.01, 1))
                .checkAssert((p, u) -> {
                    double[] probs = p.stream().mapToDouble(Double::doubleValue).toArray();
                    float[] r = RewriteScorerConfig.defaults().withThreshold(u).rewards(probs);
                    for (int j = 0; j < probs.length; j++) {
                        assertThat(r[j]).isEqualTo(probs[j] < u ? 1f : 0f); // r_j = 1[p_j < u]
                    }
                });
        assertThat(RewriteScorerConfig.defaults().rewards(new double[] {0.95, 0.9499, 1.0, 0.0}))
                .containsExactly(0f, 1f, 0f, 1f);
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> RewriteScorerConfig.defaults().withThreshold(1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("threshold must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> RewriteScorerConfig.defaults().withBatchSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("batchSize must be >= 1, got 0");
        assertThatThrownBy(() -> RewriteScorerConfig.defaults().withTemplate(PromptTemplate.of("x", "{problem}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lacks placeholder(s) [{solution}, {prediction}]");
        assertThatThrownBy(() -> RewriteScorerConfig.defaults().rewards(new double[] {0.5, Double.NaN}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("probabilities[1] must be in [0, 1], got NaN");
    }

    @Test
    void theTeacherForcedSequenceIsBosPromptThenTheOriginalRejectedIds() {
        PreferenceExample e = PreferenceExample.of("1+1?", "2", "3").withReference("1+1=2");
        int[] rejected = {'3', ByteTokenizer.EOS};
        TokenizedPair pair = TokenizedPair.unweighted(0, e, new int[] {ByteTokenizer.BOS}, new int[] {'2'}, rejected,
                Optional.empty());
        ByteTokenizer tok = ByteTokenizer.create();
        RewritePrompt.Sequence s = RewritePrompt.sequence(pair, tok, PromptTemplate.solutionRewriting());
        String text = PromptTemplate.solutionRewriting().fill(Map.of("problem", "1+1?", "solution", "1+1=2",
                "prediction", "3"));
        assertThat(RewritePrompt.text(PromptTemplate.solutionRewriting(), e)).isEqualTo(text);
        int[] ids = s.ids();
        assertThat(ids[0]).isEqualTo(ByteTokenizer.BOS);
        assertThat(tok.decode(Arrays.copyOfRange(ids, 1, s.responseStart()))).isEqualTo(text);
        assertThat(Arrays.copyOfRange(ids, s.responseStart(), ids.length)).containsExactly(rejected);
        // Without a reference the chosen response stands in for the correct solution.
        assertThat(RewritePrompt.text(PromptTemplate.solutionRewriting(), PreferenceExample.of("q", "good", "bad")))
                .contains("### Correct solution:\ngood\n");
    }
}
