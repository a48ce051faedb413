package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.RewriteQuadruple;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PreferenceDataBuilderTest {
    private static final Problem TOM = new Problem(
            "Tom has 3 apples. He buys 4 more. Then he gives away 2. How many apples does Tom have now?", "Tom",
            "apple", "apples", 3,
            List.of(new ArithmeticStep(Operation.ADD, 4), new ArithmeticStep(Operation.SUBTRACT, 2)));
    private static final String REFERENCE = TOM.referenceSolution();
    private static final String REWORDED = "Tom starts with 3 apples. So 3 + 4 = 7. So 7 - 2 = 5. The answer is 5.";
    private static final String SLIP = "Tom has 3 apples.\n3 + 4 = 8.\n8 - 2 = 6.\nThe answer is: 6";
    private static final String TRUNCATED = "Tom has 3 apples.\n3 + 4 = 7.";
    private static final String WRONG_OPERATION = "Tom has 3 apples.\n3 * 4 = 12.\n12 - 2 = 10.\nThe answer is: 10";
    private static final String PROMPT = PromptStyle.COMPACT.taskPrompt(TOM.text());

    private static final SampledSolutions SAMPLES = new SampledSolutions(TOM,
            List.of(REFERENCE, SLIP, REFERENCE, REWORDED, SLIP, TRUNCATED, WRONG_OPERATION));

    @Test
    void pairsCorrectWithWrongSamplesInRoundsAndRewritesEachWrongSampleOnce() {
        PreferenceData data = new PreferenceDataBuilder(PreferenceDataConfig.defaults(), PromptStyle.COMPACT)
                .build(List.of(SAMPLES));
        // Distinct correct: [REFERENCE, REWORDED]; distinct wrong: [SLIP, TRUNCATED, WRONG_OPERATION].
        assertThat(data.pairs()).containsExactly(
                new PreferenceRecord(PROMPT, REFERENCE, SLIP, REFERENCE),
                new PreferenceRecord(PROMPT, REWORDED, TRUNCATED, REFERENCE),
                new PreferenceRecord(PROMPT, REFERENCE, WRONG_OPERATION, REFERENCE),
                new PreferenceRecord(PROMPT, REWORDED, SLIP, REFERENCE));
        // The truncated sample has no answer: the teacher can only fall back, so by default it gives no rewrite.
        assertThat(data.rewrites()).containsExactly(
                new RewriteQuadruple(TOM.text(), REFERENCE, SLIP, REFERENCE, Optional.empty()),
                new RewriteQuadruple(TOM.text(), REFERENCE, WRONG_OPERATION, REFERENCE, Optional.empty()));
        assertThat(data.summary()).isEqualTo(new PreferenceData.Summary(1, 7, 3, 3, 1, 1, 0, 1));
    }

    @Test
    void rewritesKeepThePredictionsWording() {
        String reworded = "Tom starts with 3 apples. So 3 + 4 = 8. So 8 - 2 = 6. The answer is 6.";
        PreferenceData data = new PreferenceDataBuilder(PreferenceDataConfig.defaults(), PromptStyle.COMPACT)
                .build(List.of(new SampledSolutions(TOM, List.of(reworded))));
        assertThat(data.rewrites()).containsExactly(new RewriteQuadruple(TOM.text(), REFERENCE, reworded,
                "Tom starts with 3 apples. So 3 + 4 = 7. So 7 - 2 = 5. The answer is 5.", Optional.empty()));
    }

    @Test
    void everyPairIsDealtOnceUpToTheCap() {
        PreferenceData all = new PreferenceDataBuilder(new PreferenceDataConfig(100, false, false),
                PromptStyle.COMPACT).build(List.of(SAMPLES));
        assertThat(all.pairs()).hasSize(6).doesNotHaveDuplicates();
        PreferenceData one = new PreferenceDataBuilder(new PreferenceDataConfig(1, false, false), PromptStyle.COMPACT)
                .build(List.of(SAMPLES));
        assertThat(one.pairs()).containsExactly(new PreferenceRecord(PROMPT, REFERENCE, SLIP, REFERENCE));
    }

    @Test
    void fallbackRewritesAreKeptOnRequest() {
        PreferenceData data = new PreferenceDataBuilder(new PreferenceDataConfig(4, false, true), PromptStyle.COMPACT)
                .build(List.of(SAMPLES));
        assertThat(data.rewrites()).extracting(RewriteQuadruple::wrongPrediction)
                .containsExactly(SLIP, TRUNCATED, WRONG_OPERATION);
        assertThat(data.rewrites().get(1).correctedPrediction()).isEqualTo(REFERENCE);
    }

    @Test
    void withoutACorrectSampleTheReferenceIsChosenOnlyOnRequest() {
        SampledSolutions allWrong = new SampledSolutions(TOM, List.of(SLIP, WRONG_OPERATION));
        PreferenceData strict = new PreferenceDataBuilder(PreferenceDataConfig.defaults(), PromptStyle.COMPACT)
                .build(List.of(allWrong));
        assertThat(strict.pairs()).isEmpty();
        assertThat(strict.rewrites()).hasSize(2);
        assertThat(strict.summary().problemsWithPairs()).isZero();

        PreferenceData lenient = new PreferenceDataBuilder(new PreferenceDataConfig(4, true, false),
                PromptStyle.COMPACT).build(List.of(allWrong));
        assertThat(lenient.pairs()).containsExactly(
                new PreferenceRecord(PROMPT, REFERENCE, SLIP, REFERENCE),
                new PreferenceRecord(PROMPT, REFERENCE, WRONG_OPERATION, REFERENCE));
        assertThat(lenient.summary().referenceChosenPairs()).isEqualTo(2);
    }

    @Test
    void allCorrectSamplesGiveNothing() {
        PreferenceData data = new PreferenceDataBuilder(PreferenceDataConfig.defaults(), PromptStyle.PAPER)
                .build(List.of(new SampledSolutions(TOM, List.of(REFERENCE, REWORDED))));
        assertThat(data.pairs()).isEmpty();
        assertThat(data.rewrites()).isEmpty();
        assertThat(data.summary()).isEqualTo(new PreferenceData.Summary(1, 2, 2, 0, 0, 0, 0, 0));
    }

    @Test
    void badConfigIsRejected() {
        assertThatThrownBy(() -> new PreferenceDataConfig(0, false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxPairsPerProblem must be >= 1, got 0");
    }
}
