package dev.allo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.TokenRewards;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The custom scorer runs inside the forgetting stage: only some rejected tokens carry weight there. */
class CustomTokenScorerExampleTest {
    @TempDir
    Path dir;

    @Test
    void customScorerWeightsOnlyTheWrongNumbersInTheForgettingStage() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        AlignmentResult result;
        try (PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            result = CustomTokenScorerExample.run(16, 32, 1, dir, print, new TrainingListener() {});
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("rejected:").containsPattern("\\[\\d\\]");
        assertThat(result.config().stages().get(0).rewards()).isEqualTo(TokenRewards.CUSTOM);
        List<StepMetrics> forget = result.stages().get("forget").history();
        for (StepMetrics step : forget) {
            // Wrong numbers are a few bytes of a ~60-byte response: far from all of them, never none.
            assertThat(step.get("tokens/rejected_weighted_fraction")).isStrictlyBetween(0.0, 0.5);
        }
        assertThat(Files.list(dir.resolve("allo/cache")).map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith("token-scores-"));
        assertThat(dir.resolve("allo/model/model.safetensors")).isNotEmptyFile();
    }
}
