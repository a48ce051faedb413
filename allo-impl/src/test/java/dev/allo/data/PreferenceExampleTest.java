package dev.allo.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PreferenceExampleTest {

    @Test
    void rejectsEmptyFieldsByName() {
        assertThatThrownBy(() -> PreferenceExample.of("p", "", "r"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("chosen must not be empty");
        assertThatThrownBy(() -> PreferenceExample.of("p", "c", "r").withReference(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("reference must not be empty");
        assertThatThrownBy(() -> PreferenceExample.of("p", "c", "r").withId(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("id must not be empty");
    }

    @Test
    void metadataMustBeJsonLikeAndNotReserved() {
        assertThatThrownBy(() -> new PreferenceExample("p", "c", "r", Optional.empty(), Optional.empty(),
                Map.of("prompt", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata key 'prompt' is reserved");
        assertThatThrownBy(() -> new PreferenceExample("p", "c", "r", Optional.empty(), Optional.empty(),
                Map.of("k", List.of(1, new Object()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata.k[1] must be");
        PreferenceExample ok = new PreferenceExample("p", "c", "r", Optional.empty(), Optional.empty(),
                Map.of("k", List.of(1, "a", Map.of("b", true))));
        assertThat(ok.metadata()).containsKey("k");
    }

    @Test
    void rewriteQuadrupleBecomesASupervisedExample() {
        RewriteQuadruple q = new RewriteQuadruple("1+1?", "1+1=2. The answer is: 2", "1+1=3. The answer is: 3",
                "1+1=2. The answer is: 2", Optional.of("q1"));
        SupervisedExample s = q.toSupervised(PromptTemplate.solutionRewriting());
        assertThat(s.completion()).isEqualTo("1+1=2. The answer is: 2");
        assertThat(s.id()).contains("q1");
        assertThat(s.prompt()).contains("### Problem:\n1+1?\n").contains("### Prediction:\n1+1=3. The answer is: 3\n")
                .endsWith("### Correct prediction:\n");
        assertThatThrownBy(() -> q.toSupervised(PromptTemplate.of("bad", "{problem} {solution}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lacks placeholder(s) [{prediction}]");
    }
}
