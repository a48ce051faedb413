package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromptStyleTest {
    @Test
    void paperTaskPromptIsTable6() {
        assertThat(PromptStyle.PAPER.taskPrompt("P?")).isEqualTo("Below is an instruction that describes a task. "
                + "Write a response that appropriately completes the request.\n\n### Instruction:\nP?\n\n"
                + "### Response: Let's think step by step.\n");
    }

    @Test
    void paperRewritePromptIsTable6() {
        assertThat(PromptStyle.PAPER.rewritePrompt("P?", "R", "W")).isEqualTo(
                "Given the problem and the correct solution, you need to correct the mistakes in the prediction to "
                        + "get the correct answer. You should write down the correct prediction and use \"The answer "
                        + "is: \" (without quotation mark) to identify the final answer. You should make minimal "
                        + "modifications. You should not copy the problem.\n### Problem:\nP?\n### Correct solution:\n"
                        + "R\n### Prediction:\nW\n### Correct prediction:\n");
    }

    @Test
    void compactPromptsKeepTheSections() {
        assertThat(PromptStyle.COMPACT.taskPrompt("P?")).isEqualTo("Q: P?\nA: ");
        assertThat(PromptStyle.COMPACT.rewritePrompt("P?", "R", "W")).isEqualTo("Q: P?\nRef: R\nPred: W\nFix: ");
    }
}
