package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class AnswerCheckerProperties {
    private static final String[] SEPARATORS = {": ", ":", " ", " : ", ":\n", ":  "};
    private static final String[] ENDINGS = {"", ".", " apples.", "\n", ". Done"};

    /** Writes {@code value} after a working text and a marker, decorated by {@code style} (all decorations vary). */
    private static String respond(long value, int style) {
        String marker = style % 2 == 0 ? "The answer is" : "the Answer is";
        return "Tom has 3 apples.\n3 + 4 = 7.\n" + marker + SEPARATORS[style % SEPARATORS.length] + value
                + ENDINGS[style % ENDINGS.length];
    }

    @Test
    void extractsTheWrittenIntegerWhateverTheDecoration() {
        qt().withFixedSeed(21L).withExamples(500)
                .forAll(longs().all(), integers().between(0, 59))
                .checkAssert((value, style) -> {
                    String response = respond(value, style);
                    assertThat(AnswerChecker.extract(response)).contains(BigDecimal.valueOf(value));
                    assertThat(AnswerChecker.check(response, value)).isEqualTo(Verdict.CORRECT);
                });
    }

    @Test
    void anyOtherTruthIsWrong() {
        qt().withFixedSeed(22L).withExamples(500)
                .forAll(longs().between(-1_000_000, 1_000_000), longs().between(-1_000_000, 1_000_000),
                        integers().between(0, 59))
                .checkAssert((value, truth, style) -> assertThat(AnswerChecker.check(respond(value, style), truth))
                        .isEqualTo(value.equals(truth) ? Verdict.CORRECT : Verdict.WRONG));
    }

    @Test
    void anEarlierMarkerNeverOverridesTheLast() {
        qt().withFixedSeed(23L).withExamples(300)
                .forAll(longs().between(0, 10_000), longs().between(0, 10_000), integers().between(0, 59))
                .checkAssert((first, last, style) -> assertThat(
                        AnswerChecker.extract(respond(first, style) + "\n" + respond(last, style + 1)))
                        .contains(BigDecimal.valueOf(last)));
    }
}
