package dev.allo.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {

    @Test
    void fillsPlaceholdersAndLiteralBraces() {
        PromptTemplate t = PromptTemplate.of("t", "Q: {question} {{json}} }} A:{answer}");
        assertThat(t.placeholders()).containsExactly("question", "answer");
        assertThat(t.fill(Map.of("question", "what {x}?", "answer", "42", "unused", "x")))
                .isEqualTo("Q: what {x}? {json} } A:42");
    }

    @Test
    void malformedBracesFailAtConstructionNamingTheOffset() {
        assertThatThrownBy(() -> PromptTemplate.of("mine", "a {Problem } b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("template 'mine'").hasMessageContaining("offset 2");
        assertThatThrownBy(() -> PromptTemplate.of("mine", "a } b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unmatched '}' at offset 2");
        assertThatThrownBy(() -> PromptTemplate.of("mine", "open {name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed placeholder");
    }

    @Test
    void missingValueAndMissingPlaceholderAreNamed() {
        PromptTemplate t = PromptTemplate.of("t", "{a} and {b}");
        assertThatThrownBy(() -> t.fill(Map.of("a", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no value for placeholder(s) [{b}] of template 't'");
        assertThatThrownBy(() -> t.requirePlaceholders(List.of("a", "c")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("template 't' lacks placeholder(s) [{c}]; it has [{a}, {b}]");
    }

    @Test
    void shipsThePapersTwoTemplates() {
        PromptTemplate downstream = PromptTemplate.downstream();
        assertThat(downstream.placeholders()).containsExactly("instruction");
        assertThat(downstream.fill(Map.of("instruction", "2+2?"))).isEqualTo(
                "Below is an instruction that describes a task. Write a response that appropriately completes the"
                        + " request.\n\n### Instruction:\n2+2?\n\n### Response: Let's think step by step.");
        PromptTemplate rewrite = PromptTemplate.solutionRewriting();
        assertThat(rewrite.placeholders()).containsExactly("problem", "solution", "prediction");
        String filled = rewrite.fill(Map.of("problem", "P", "solution", "S", "prediction", "W"));
        assertThat(filled).startsWith("Given the problem and the correct solution, you need to correct the mistakes")
                .contains("You should make minimal modifications. You should not copy the problem.")
                .endsWith("### Problem:\nP\n\n### Correct solution:\nS\n\n### Prediction:\nW\n\n"
                        + "### Correct prediction:\n");
    }
}
